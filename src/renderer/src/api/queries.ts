import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import type { FailureCause } from '../../../shared/video-status'
import type { VideoSource } from '../../../shared/video-source'
import { upsertPage } from '../lib/filter-videos'
import type { Video, VideoPage } from '../../../shared/video'
import { keys, LIST_LIMIT } from './keys'
import { useTransport } from './transport-context'

// No refetchInterval anywhere: the event stream keeps these current (use-event-stream.ts).
export function useWorkerStatus() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.worker, queryFn: () => api['worker.status'](undefined) })
}

export function useStats() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.stats, queryFn: () => api['stats.get'](undefined) })
}

export function useStatsHistory() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.history, queryFn: () => api['stats.history']({ sinceMinutes: 60 }) })
}

export function useVideos() {
  const { api } = useTransport()
  return useQuery({
    queryKey: keys.videos,
    queryFn: () => api['videos.list']({ limit: LIST_LIMIT, sort: 'createdAt', order: 'desc' }),
    structuralSharing: false
  })
}

export function useVideoDetail(id: string | null) {
  const { api } = useTransport()
  return useQuery({
    queryKey: keys.video(id ?? 'none'),
    queryFn: () => api['videos.get']({ id: id ?? '' }),
    enabled: id !== null
  })
}

export function useAnalysisRuns(id: string, enabled: boolean) {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.analyses(id), queryFn: () => api['videos.analyses']({ id }), enabled })
}

export function useMediaFacts(id: string, enabled: boolean) {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.media(id), queryFn: () => api['videos.inspect']({ id }), enabled, staleTime: 30_000 })
}

export function useSourceCapabilities() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.capabilities, queryFn: () => api['sources.capabilities'](undefined), staleTime: 60_000 })
}

export function useFailureGroups() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.failures, queryFn: () => api['failures.groups'](undefined) })
}

export function useConfig() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.config, queryFn: () => api['config.get'](undefined), staleTime: Infinity })
}

export function useSettings(profile: string | null = null) {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.settings(profile), queryFn: () => api['settings.get'](profile ? { profile } : {}) })
}

export function useProfiles() {
  const { api } = useTransport()
  return useQuery({ queryKey: keys.profiles, queryFn: () => api['profiles.list'](undefined) })
}

/** The console's actions. Results land in the cache at once; events confirm them. */
export function useActions() {
  const { api } = useTransport()
  const client = useQueryClient()
  const putVideo = (video: Video) => client.setQueryData<VideoPage>(keys.videos, (page) => upsertPage(page, video))
  // The answer may be older than a `worker.state` event that already arrived (a stop can finish
  // before its reply is read): take it, then ask again so the newest state wins.
  const setWorker = (status: Awaited<ReturnType<(typeof api)['worker.status']>>) => {
    client.setQueryData(keys.worker, status)
    void client.invalidateQueries({ queryKey: keys.worker })
  }
  return {
    start: useMutation({ mutationFn: () => api['worker.start'](undefined), onSuccess: setWorker }),
    stop: useMutation({ mutationFn: (mode: 'drain' | 'now') => api['worker.stop']({ mode }), onSuccess: setWorker }),
    retry: useMutation({ mutationFn: (id: string) => api['videos.retry']({ id }), onSuccess: putVideo }),
    retryFailed: useMutation({
      mutationFn: (cause?: FailureCause) => api['videos.retryFailed'](cause ? { cause } : {}),
      onSuccess: () => client.invalidateQueries({ queryKey: keys.failures })
    }),
    cancel: useMutation({ mutationFn: (id: string) => api['videos.cancel']({ id }) }),
    retryMany: useMutation({
      mutationFn: (input: Parameters<(typeof api)['videos.retryMany']>[0]) => api['videos.retryMany'](input),
      onSuccess: () => client.invalidateQueries({ queryKey: keys.failures })
    }),
    cancelRetries: useMutation({
      mutationFn: (input: Parameters<(typeof api)['videos.cancelRetries']>[0]) => api['videos.cancelRetries'](input),
      onSuccess: () => client.invalidateQueries({ queryKey: keys.failures })
    }),
    enqueue: useMutation({
      mutationFn: (input: { source: VideoSource; title?: string }) => api['videos.enqueue'](input),
      onSuccess: putVideo
    })
  }
}
