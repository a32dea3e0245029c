import { describe, expect, it } from 'vitest'
import { parseQueueMessage, uuidFromName } from '../../src/core/parse-message'

const id = '3f2b8c1e-9a4d-4e7b-8c2a-1d5e6f7a8b9c'

describe('parseQueueMessage', () => {
  it("accepts the producers' snake_case S3 message", () => {
    const parsed = parseQueueMessage(JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/a.mp4', s3_bucket: 'b', title: 'A' }))
    expect(parsed).toEqual({ kind: 'jobs', jobs: [{ videoId: id, title: 'A', source: { kind: 's3', key: 'in/a.mp4', bucket: 'b' } }] })
  })

  it('accepts camelCase YouTube messages and builds the URL from an id', () => {
    const parsed = parseQueueMessage(JSON.stringify({ videoId: id, sourceType: 'youtube', youtubeId: 'dQw4w9WgXcQ' }))
    expect(parsed.kind).toBe('jobs')
    if (parsed.kind === 'jobs') expect(parsed.jobs[0]?.source).toEqual({ kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', youtubeId: 'dQw4w9WgXcQ' })
  })

  it('accepts local files and http URLs', () => {
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 'file', file_path: '/tmp/x.mp4' }))).toMatchObject({ kind: 'jobs' })
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 'http', url: 'https://example.com/v.mp4' }))).toMatchObject({ kind: 'jobs' })
  })

  it('turns S3 event notifications into jobs with a stable id and a decoded key', () => {
    const body = JSON.stringify({ Records: [{ eventSource: 'aws:s3', s3: { bucket: { name: 'b' }, object: { key: 'in/my+talk%281%29.mp4' } } }] })
    const first = parseQueueMessage(body)
    const second = parseQueueMessage(body)
    expect(first).toEqual(second)
    if (first.kind !== 'jobs') throw new Error('expected jobs')
    expect(first.jobs[0]?.source).toEqual({ kind: 's3', bucket: 'b', key: 'in/my talk(1).mp4' })
    expect(first.jobs[0]?.videoId).toBe(uuidFromName('s3://b/in/my talk(1).mp4'))
  })

  it('gives each upload of an S3 key its own id: by version id, else by sequencer', () => {
    const record = (object: Record<string, string>, eventName = 'ObjectCreated:Put') =>
      JSON.stringify({ Records: [{ eventSource: 'aws:s3', eventName, s3: { bucket: { name: 'b' }, object: { key: 'in/a.mp4', ...object } } }] })
    const id = (body: string) => {
      const parsed = parseQueueMessage(body)
      if (parsed.kind !== 'jobs') throw new Error(`expected jobs, got ${parsed.kind}`)
      expect(parsed.jobs[0]?.origin).toBe('s3-event')
      return parsed.jobs[0]!.videoId
    }
    expect(id(record({ sequencer: '01' }))).toBe(id(record({ sequencer: '01' })))
    expect(id(record({ sequencer: '01' }))).not.toBe(id(record({ sequencer: '02' })))
    expect(id(record({ versionId: 'v1', sequencer: '01' }))).toBe(id(record({ versionId: 'v1', sequencer: '03' })))
    expect(id(record({ versionId: 'v1' }))).not.toBe(id(record({ versionId: 'v2' })))
    expect(parseQueueMessage(record({ sequencer: '04' }, 'ObjectRemoved:Delete'))).toMatchObject({ kind: 'ignore' })
  })

  it('ignores the S3 test event', () => {
    expect(parseQueueMessage(JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent' })).kind).toBe('ignore')
  })

  it('explains bad messages and keeps the video id when it can read one', () => {
    expect(parseQueueMessage('not json')).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not JSON') })
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 's3' }))).toEqual({ kind: 'invalid', reason: 'source_type "s3" needs s3_key', videoId: id })
    expect(parseQueueMessage(JSON.stringify({ video_id: 'nope', source_type: 's3', s3_key: 'k' }))).toMatchObject({ kind: 'invalid', reason: expect.stringContaining('not a UUID') })
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 'ftp' }))).toMatchObject({ kind: 'invalid', videoId: id, unsupportedSource: true })
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 's3' }))).not.toHaveProperty('unsupportedSource')
    expect(parseQueueMessage(JSON.stringify({ video_id: id, source_type: 'http', url: 'ftp://x/y' }))).toMatchObject({ kind: 'invalid', videoId: id })
  })
})
