/**
 * Ports the console's debugging tools need besides the worker's: looking into a media file, and
 * packing a debug bundle. Both are optional: without them the evidence panel says so.
 */
import type { VideoMetadata } from '../shared/analysis'

export interface MediaInspector {
  /** Container and stream facts; rejects with what the prober said when it cannot read the file. */
  probe(path: string, signal: AbortSignal): Promise<VideoMetadata>
  /** A few stills spread over the video, as JPEG bytes; fewer (or none) when frames cannot be decoded. */
  stills(path: string, opts: { count: number; durationSeconds: number | null; signal: AbortSignal }): Promise<{ time: number; jpeg: Uint8Array }[]>
}

export interface Archiver {
  /** A zip of the given files (names may hold folders, `a/b.txt`). */
  zip(files: Record<string, Uint8Array>): Uint8Array
}
