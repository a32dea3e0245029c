import type { ApiResult } from './console-api'
import type { WorkerEvent } from './events'

/**
 * What the Electron preload exposes as `window.api`: two fixed channels, and a file's path for
 * drag and drop. The preload implements it; the renderer's IPC transport uses it.
 */
export interface PreloadApi {
  /** Calls one ConsoleApi procedure; errors come back as values. */
  call(name: string, input?: unknown): Promise<ApiResult>
  /** Receives every worker event; returns the unsubscribe function. */
  onEvent(callback: (event: WorkerEvent) => void): () => void
  /** The local path of a dropped or picked file (Electron's webUtils), '' when it has none. */
  pathForFile(file: File): string
  /** Receives the app's shutdown progress once a quit began; returns the unsubscribe function. */
  onShutdown(callback: (notice: ShutdownNotice) => void): () => void
}

/** What the window shows while the app stops (the same shape as src/main/shutdown.ts sends). */
export type ShutdownNotice =
  | { phase: 'draining'; inFlight: number; deadlineSeconds: number }
  | { phase: 'handing-back'; handedBack: number }
  | { phase: 'closing'; handedBack: number }
