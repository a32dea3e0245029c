import { describe, expect, it } from 'vitest'
import { toSeedMessage } from '../../../src/core/message-format'
import { parseQueueMessage } from '../../../src/core/parse-message'
import type { VideoSource } from '../../../src/shared/video-source'

const id = '7d3c2b1a-4e5f-4a6b-8c7d-9e0f1a2b3c4d'

describe('toSeedMessage', () => {
  const sources: VideoSource[] = [
    { kind: 'file', path: '/videos/a talk.mp4' },
    { kind: 'http', url: 'https://example.com/v.mp4?x=1' },
    { kind: 's3', bucket: 'media', key: 'in/a.mp4' },
    { kind: 's3', key: 'in/b.mp4' },
    { kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', youtubeId: 'dQw4w9WgXcQ' }
  ]
  it.each(sources)('writes the snake_case format that the worker reads back unchanged: $kind', (source) => {
    const body = toSeedMessage(id, source, 'A title')
    expect(JSON.parse(body)).toMatchObject({ video_id: id, title: 'A title' })
    expect(parseQueueMessage(body)).toEqual({ kind: 'jobs', jobs: [{ videoId: id, title: 'A title', source }] })
  })
  it('carries the row generation it was sent for, which the worker reads back (camelCase too); producers may leave it out', () => {
    const body = toSeedMessage(id, { kind: 'file', path: '/x.mp4' }, null, 3)
    expect(JSON.parse(body)).toEqual({ video_id: id, generation: 3, source_type: 'file', file_path: '/x.mp4' })
    expect(parseQueueMessage(body)).toEqual({ kind: 'jobs', jobs: [{ videoId: id, source: { kind: 'file', path: '/x.mp4' }, generation: 3 }] })
    const camel = JSON.stringify({ videoId: id, sourceType: 'http', url: 'https://example.com/v.mp4', generation: 0 })
    expect(parseQueueMessage(camel)).toMatchObject({ kind: 'jobs', jobs: [{ generation: 0 }] })
    const bad = JSON.stringify({ video_id: id, source_type: 'file', file_path: '/x.mp4', generation: -1 })
    expect(parseQueueMessage(bad).kind).toBe('invalid')
  })
  it('leaves out a missing title', () => {
    expect(JSON.parse(toSeedMessage(id, { kind: 'file', path: '/x.mp4' }))).toEqual({ video_id: id, source_type: 'file', file_path: '/x.mp4' })
  })
})
