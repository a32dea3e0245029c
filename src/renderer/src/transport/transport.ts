import type { ConsoleApi } from '../../../shared/console-api'
import type { Subscribe } from '../../../shared/http-events'
import type { Video } from '../../../shared/video'

/** How the console talks to the worker: Electron IPC or HTTP + SSE, chosen at start. */
export interface Transport {
  kind: 'ipc' | 'http'
  api: ConsoleApi
  subscribe: Subscribe
  /** URL of a local video's file or of one of its keyframes, for <video> and <img>. */
  mediaUrl(videoId: string, what: 'video' | { keyframe: number }): string
  /** The local path of a dropped file, when the transport can know it (Electron). */
  pathForFile?(file: File): string
  /** Sends a file's bytes to the server instead (a browser knows no paths). */
  upload?(file: File, title?: string): Promise<Video>
}
