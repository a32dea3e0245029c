// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest'
import { QueryClient } from '@tanstack/react-query'
import { createEventApplier } from '../../../src/renderer/src/api/use-event-stream'
import { keys } from '../../../src/renderer/src/api/keys'
import { progressStore } from '../../../src/renderer/src/api/progress-store'
import type { VideoPage } from '../../../src/shared/video'
import type { WorkerStatus } from '../../../src/shared/console-api'
import { video } from './fixtures'

const at = new Date().toISOString()

describe('events into the cache', () => {
  it('patches the list and worker state in place and tracks progress', () => {
    const client = new QueryClient()
    const first = video()
    client.setQueryData<VideoPage>(keys.videos, { items: [first], total: 1 })
    client.setQueryData<WorkerStatus>(keys.worker, {
      state: 'running',
      backends: { queue: 'q', source: 's', analyzer: 'a', store: 'st' },
      concurrency: 1,
      readOnly: false,
      draining: false
    })
    const failures = vi.fn()
    const apply = createEventApplier(client, failures)
    const added = video({ title: 'new one' })
    apply({ type: 'video.updated', at, video: added })
    apply({ type: 'video.updated', at, video: { ...first, processingStatus: 'downloading', updatedAt: '2030-01-01T00:00:00.000Z' } })
    apply({ type: 'video.progress', at, videoId: first.id, stage: 'downloading', bytes: 50, total: 100 })
    apply({ type: 'worker.state', at, state: 'draining' })
    apply({ type: 'video.failed', at, videoId: added.id, error: 'boom', cause: 'other', attempt: 1, final: true })

    const page = client.getQueryData<VideoPage>(keys.videos)!
    expect(page.total).toBe(2)
    expect(page.items.map((v) => [v.title, v.processingStatus])).toEqual([
      ['new one', 'queued'],
      [first.title, 'downloading']
    ])
    expect(progressStore.get(first.id)).toEqual({ stage: 'downloading', bytes: 50, total: 100 })
    expect(client.getQueryData<WorkerStatus>(keys.worker)).toMatchObject({ state: 'draining', draining: true })
    expect(failures).toHaveBeenCalledWith(expect.objectContaining({ videoId: added.id, final: true }))
    apply({ type: 'video.updated', at, video: { ...first, processingStatus: 'processing', updatedAt: '2030-01-01T00:00:01.000Z' } })
    expect(progressStore.get(first.id)).toBeUndefined()
  })
})
