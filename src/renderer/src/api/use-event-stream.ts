import { useEffect, useState } from 'react'
import { useQueryClient, type QueryClient } from '@tanstack/react-query'
import type { WorkerEvent } from '../../../shared/events'
import type { WorkerStatus } from '../../../shared/console-api'
import type { VideoPage } from '../../../shared/video'
import { upsertPage } from '../lib/filter-videos'
import { keys } from './keys'
import { progressStore } from './progress-store'
import { useTransport } from './transport-context'
import { toastStore } from '../lib/toasts'

export type Connection = 'connecting' | 'live' | 'reconnecting'

/** The stream's state, and since when the server has been unreachable (null while it answers). */
export interface ConnectionInfo {
  state: Connection
  lostAt: number | null
}

/** Listeners for failures, e.g. the OS notification. */
export type FailureListener = (event: Extract<WorkerEvent, { type: 'video.failed' }>) => void

/**
 * Applies one event to the cache. Row changes patch the list in place (no refetch of 10,000
 * rows); the open detail, failure groups and history refetch, batched, only when shown.
 */
export function createEventApplier(client: QueryClient, onFailure?: FailureListener) {
  const stale = new Set<string>()
  let timer: ReturnType<typeof setTimeout> | undefined
  let lastHistory = 0
  const later = (key: string) => {
    stale.add(key)
    timer ??= setTimeout(() => {
      timer = undefined
      for (const k of stale) {
        const [head, id] = k.split(':')
        void client.invalidateQueries({ queryKey: id ? [head, id] : [head] })
      }
      stale.clear()
    }, 150)
  }
  return (event: WorkerEvent): void => {
    switch (event.type) {
      case 'video.updated': {
        const { video } = event
        client.setQueryData<VideoPage>(keys.videos, (page) => upsertPage(page, video))
        if (video.processingStatus !== 'downloading' && video.processingStatus !== 'uploading') progressStore.clear(video.id)
        later(`video:${video.id}`)
        if (video.processingStatus === 'failed' || video.processingStatus === 'queued') later('failures')
        break
      }
      case 'video.status':
      case 'video.stage':
        later(`video:${event.videoId}`)
        break
      case 'video.completed':
        later(`video:${event.videoId}`)
        later(`analyses:${event.videoId}`)
        break
      case 'video.progress':
        progressStore.set(event.videoId, { stage: event.stage, bytes: event.bytes, total: event.total })
        break
      case 'video.failed':
        later(`video:${event.videoId}`)
        later('failures')
        if (event.cause === 'dead-lettered') later('dead-letters')
        onFailure?.(event)
        break
      case 'log':
        if (event.videoId) later(`video:${event.videoId}`)
        break
      case 'worker.state':
        client.setQueryData<WorkerStatus>(keys.worker, (status) =>
          status ? { ...status, state: event.state, draining: event.state === 'draining' } : status
        )
        later('worker')
        break
      case 'stats':
        client.setQueryData(keys.stats, event.stats)
        // The history gains a sample every few seconds: refresh the chart now and then, not per event.
        if (Date.now() - lastHistory > 10_000) {
          lastHistory = Date.now()
          later('stats-history')
        }
        break
      case 'settings.changed':
        // A saved setting or another profile: every view may show something else now.
        void client.invalidateQueries()
        break
      case 'message.received':
        // The core sends statistics when a job ends; received and in flight change now.
        later('stats')
        break
    }
  }
}

/** Keeps React Query's cache current from the worker's events; refetches everything after a reconnect. */
export function useEventStream(onFailure?: FailureListener): ConnectionInfo {
  const transport = useTransport()
  const client = useQueryClient()
  const [connection, setConnectionInfo] = useState<ConnectionInfo>({ state: 'connecting', lostAt: null })
  const onFailureRef = useLatest(onFailure)
  useEffect(() => {
    const setConnection = (state: Connection) =>
      setConnectionInfo((current) => ({ state, lostAt: state === 'reconnecting' ? (current.lostAt ?? Date.now()) : null }))
    const apply = createEventApplier(client, (event) => onFailureRef.current?.(event))
    let lastProbe = 0
    return transport.subscribe(apply, {
      onOpen: () => {
        setConnection('live')
        // Errors that only said the server was unreachable are stale now.
        toastStore.clearOffline()
        // Whatever happened while we were away (or before the stream first opened) is refetched once.
        void client.invalidateQueries()
      },
      onReset: () => void client.invalidateQueries(),
      onError: () => {
        setConnection('reconnecting')
        // The stream cannot say why it failed; the status call can (down, or a new token).
        if (Date.now() - lastProbe > 5000) {
          lastProbe = Date.now()
          void client.invalidateQueries({ queryKey: keys.worker })
        }
      }
    })
  }, [transport, client, onFailureRef])
  return connection
}

function useLatest<T>(value: T): { current: T } {
  const [ref] = useState(() => ({ current: value }))
  useEffect(() => {
    ref.current = value
  })
  return ref
}
