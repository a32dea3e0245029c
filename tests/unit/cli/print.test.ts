import { describe, expect, it } from 'vitest'
import { eventLine, videoDetail, videoTable } from '../../../src/cli/print'
import { Video } from '../../../src/shared/video'

const video = (over: Partial<Video> = {}): Video =>
  Video.parse({
    id: '5b0c7c4e-8e0e-4a39-9d0c-3a3f5d7c1b21',
    title: null,
    source: { kind: 'http', url: 'https://operator:hunter22@media.example.com/talks/one.mp4?X-Amz-Signature=abc123' },
    processingStatus: 'failed',
    analysisResult: 'Error: video not found: HTTP 404 from https://media.example.com/talks/one.mp4?…',
    isProcessed: false,
    attempts: 2,
    errorCause: 'source-missing',
    stageMs: { download: 12.4 },
    createdAt: '2026-11-26T05:00:00.000Z',
    updatedAt: '2026-11-26T05:01:02.345Z',
    startedAt: null,
    completedAt: null,
    ...over
  })

describe('CLI output', () => {
  it('lists videos in a table without the password or signature of a source URL', () => {
    const lines = videoTable([video()], 3)
    expect(lines[0]).toMatch(/^ID\s+STATUS\s+TRIES\s+UPDATED\s+TITLE \/ SOURCE$/)
    expect(lines[1]).toBe('5b0c7c4e-8e0e-4a39-9d0c-3a3f5d7c1b21  failed       2      2026-11-26 05:01:02  https://operator:****@media.example.com/talks/one.mp4?…')
    expect(lines[2]).toBe('(1 of 3 shown)')
    expect(videoTable([], 0)).toEqual(['No videos yet. Add one with: video-processor enqueue <file|url>'])
  })

  it('shows one video with its error and cause, and no secret', () => {
    const text = videoDetail({ video: video(), analysis: null, journal: [] }).join('\n')
    expect(text).toMatch(/^Status\s+failed$/m)
    expect(text).toMatch(/^Error\s+Error: video not found: HTTP 404 .* \[source-missing\]$/m)
    expect(text).toMatch(/^Stages\s+download 12 ms$/m)
    expect(text).not.toMatch(/hunter22|abc123/)
  })

  it('prints the worker events as plain lines', () => {
    const at = '2026-11-26T05:00:00.000Z'
    const id = video().id
    expect(eventLine({ type: 'message.received', at, messageId: 'm-1', videoId: id, receiveCount: 1 })).toBe(`Message Received: m-1 (video ${id}, delivery 1)`)
    expect(eventLine({ type: 'video.status', at, videoId: id, status: 'downloading', attempt: 1 })).toBe(`Video ${id}: downloading`)
    expect(eventLine({ type: 'video.failed', at, videoId: id, error: 'boom', cause: 'other', attempt: 1, final: false })).toBe(`Video ${id}: failed (other, will retry): boom`)
    expect(eventLine({ type: 'video.completed', at, videoId: id, ms: 1234 })).toBe(`Video ${id}: done in 1.2 s`)
  })
})
