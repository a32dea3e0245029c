import { stat } from 'node:fs/promises'
import type { MediaFacts } from '../shared/debugging'
import type { Video } from '../shared/video'
import type { MediaInspector } from './debug-ports'
import { errorText } from '../shared/error-text'
import { checkLocalMedia, LocalMediaRefused, type LocalMediaRules } from './local-media'

const STILLS = 6
const INSPECT_TIMEOUT_MS = 60_000

/**
 * The media of a video as it is now. Only a local file can still be there: a download (http, S3)
 * is removed after each attempt, and a YouTube video is never downloaded. A file that exists is
 * probed (a failure to probe is evidence too: it is what the prober said) and, when it decodes,
 * a few stills are taken.
 */
export async function inspectMedia(video: Video, inspector: MediaInspector | undefined, rules: LocalMediaRules = { mediaRoots: [] }): Promise<MediaFacts> {
  const empty = { sizeBytes: null, metadata: null, probeError: null, stills: [] }
  const source = video.source
  if (!source) return { path: null, present: false, note: 'The row records no source.', ...empty }
  if (source.kind !== 'file') {
    const where = source.kind === 'youtube' ? 'A YouTube video is handed to the analyzer by URL, never downloaded' : 'The download of each attempt is removed when the attempt ends'
    return { path: null, present: false, note: `${where}: there is no local copy to inspect.`, ...empty }
  }
  // A row's path is anyone's input: a hidden folder or one outside MEDIA_ROOTS is not looked into.
  const refused = await checkLocalMedia(source.path, { ...rules, inspector: undefined }).then(
    () => null,
    (error: unknown) => (error instanceof LocalMediaRefused && ['relative', 'hidden', 'outside-roots'].includes(error.reason) ? error.message : null)
  )
  if (refused) return { path: source.path, present: false, note: `Not inspected: ${refused}`, ...empty }
  const info = await stat(source.path).catch(() => null)
  if (!info?.isFile()) return { path: source.path, present: false, note: 'The file is not there (any more).', ...empty }
  const base = { path: source.path, present: true, sizeBytes: info.size }
  if (info.size === 0) return { ...base, note: 'The file is empty (0 bytes).', metadata: null, probeError: null, stills: [] }
  if (!inspector) return { ...base, note: 'No media inspector is configured here.', metadata: null, probeError: null, stills: [] }
  const signal = AbortSignal.timeout(INSPECT_TIMEOUT_MS)
  let metadata: NonNullable<MediaFacts['metadata']>
  try {
    metadata = await inspector.probe(source.path, signal)
  } catch (error) {
    return { ...base, note: null, metadata: null, probeError: errorText(error), stills: [] }
  }
  const frames = await inspector.stills(source.path, { count: STILLS, durationSeconds: metadata.durationSeconds, signal }).catch(() => [])
  return {
    ...base,
    note: frames.length === 0 ? 'No frame could be decoded.' : null,
    metadata,
    probeError: null,
    stills: frames.map((f) => ({ time: f.time, dataUrl: `data:image/jpeg;base64,${Buffer.from(f.jpeg).toString('base64')}` }))
  }
}
