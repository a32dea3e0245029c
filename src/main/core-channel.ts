import type { WorkerEvent } from '../shared/events'

/** What the main process needs to judge local files for `app://…/media` by the core's settings. */
export interface MediaRulesInput {
  mediaRoots: string[]
  dataDir: string
  ffmpegPath: string | undefined
  ffprobePath: string | undefined
}

/**
 * The messages between the main process and the core's utility process (core-host.ts). Both
 * ends are our own code on a private channel; the renderer's input was validated before (the
 * IPC bridge's sender check) and is validated again by `dispatch` in the core's process.
 */
export type ToCore =
  | { type: 'init'; secretsKey: string | null }
  | { type: 'call'; id: number; name: string; input: unknown }
  | { type: 'stop'; id: number; mode: 'drain' | 'now'; deadlineMs: number }
  | { type: 'close'; id: number }
  | { type: 'close-db'; id: number }

export type FromCore =
  | { type: 'opened'; dataDir: string; readOnly: boolean; deadlineSeconds: number; media: MediaRulesInput }
  /** Start-up could not open the app (a bad setting, DATA_DIR in use): one line. */
  | { type: 'fatal'; message: string }
  /** The app is open but the analyzer cannot work: the worker waits for Start. */
  | { type: 'not-started'; message: string }
  | { type: 'event'; event: WorkerEvent }
  /**
   * `json`: an ApiResult as JSON text (the HTTP bridge's wire format). The main process passes it
   * to the window as it is: a 10,000-row list is then copied as one string, never rebuilt as
   * objects on the thread that paints the window.
   */
  | { type: 'reply'; id: number; json?: string; error?: string }
