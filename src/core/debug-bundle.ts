import { readFile } from 'node:fs/promises'
import { isAbsolute, join, normalize } from 'node:path'
import type { Analysis } from '../shared/analysis'
import { ConsoleApiError } from '../shared/console-api'
import type { AnalysisRun, DebugBundle, MediaFacts } from '../shared/debugging'
import type { JournalEntry, Video } from '../shared/video'
import { failureCauseInfo } from '../shared/video-status'
import type { Archiver } from './debug-ports'

export interface BundleInput {
  video: Video
  analysis: Analysis | null
  journal: JournalEntry[]
  runs: AnalysisRun[]
  media: MediaFacts
  /** The settings in force, secrets already masked. */
  settings: Record<string, string>
  dataDir: string
  generatedAt: Date
}

const MAX_KEYFRAMES = 40
const text = (value: string) => new TextEncoder().encode(value)
const json = (value: unknown) => text(`${JSON.stringify(value, null, 2)}\n`)

/** Every raw model answer the journal kept (Gemini's text before validation), one file each. */
function modelOutputs(journal: JournalEntry[]): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {}
  for (const entry of journal) {
    for (const key of ['rawText', 'firstRawText'] as const) {
      const raw = entry.data?.[key]
      if (typeof raw === 'string' && raw.length > 0) out[`model-output/attempt-${entry.attempt}-line-${entry.id}-${key}.txt`] = text(raw)
    }
  }
  return out
}

function journalText(journal: JournalEntry[]): string {
  return journal
    .map((e) => `${e.at}  #${e.attempt}  ${e.level.padEnd(5)}  ${e.type.padEnd(14)} ${e.message}${e.data ? `\n    ${JSON.stringify(e.data)}` : ''}`)
    .join('\n')
}

function readme(input: BundleInput, names: string[]): string {
  const v = input.video
  return [
    `Debug bundle of video ${v.id}${v.title ? ` (${v.title})` : ''}`,
    `Made ${input.generatedAt.toISOString()}. Status: ${v.processingStatus}${v.errorCause ? `, cause ${v.errorCause} (${failureCauseInfo[v.errorCause].label})` : ''}; ${v.attempts} attempt(s).`,
    '',
    'Files:',
    ...names.map((n) => `  ${n}`),
    '',
    'settings.json holds the settings in force with secrets masked; nothing in this bundle is a secret.'
  ].join('\n')
}

/** Packs what a colleague needs to see why a video failed into one zip. */
export async function buildDebugBundle(input: BundleInput, archiver: Archiver | undefined): Promise<DebugBundle> {
  if (!archiver) throw new ConsoleApiError('internal', 'this process cannot write zip files (no archiver configured)')
  const files: Record<string, Uint8Array> = {
    'video.json': json(input.video),
    'journal.json': json(input.journal),
    'journal.txt': text(`${journalText(input.journal)}\n`),
    'settings.json': json(input.settings),
    'probe.json': json({ ...input.media, stills: input.media.stills.map((s) => ({ time: s.time })) }),
    ...modelOutputs(input.journal)
  }
  if (input.analysis) files['analysis.json'] = json(input.analysis)
  for (const run of input.runs) files[`analyses/attempt-${run.attempt}.json`] = json(run)
  input.media.stills.forEach((still, i) => {
    files[`media/still-${i + 1}-${still.time.toFixed(1)}s.jpg`] = Buffer.from(still.dataUrl.slice(still.dataUrl.indexOf(',') + 1), 'base64')
  })
  const keyframes = (input.analysis?.keyframes ?? []).slice(0, MAX_KEYFRAMES)
  await Promise.all(
    keyframes.map(async (frame, i) => {
      const path = isAbsolute(frame.path) ? frame.path : join(input.dataDir, normalize(frame.path))
      // Only files under DATA_DIR: a row written elsewhere cannot make the bundle read other files.
      if (!path.startsWith(join(input.dataDir, '/'))) return
      const bytes = await readFile(path).catch(() => null)
      if (bytes) files[`keyframes/keyframe-${String(i + 1).padStart(3, '0')}-${frame.time.toFixed(1)}s.jpg`] = bytes
    })
  )
  const names = Object.keys(files).sort()
  files['README.txt'] = text(`${readme(input, ['README.txt', ...names])}\n`)
  const zip = archiver.zip(files)
  const stamp = input.generatedAt.toISOString().replace(/[:.]/g, '-').slice(0, 19)
  return {
    fileName: `video-${input.video.id.slice(0, 8)}-debug-${stamp}.zip`,
    base64: Buffer.from(zip).toString('base64'),
    files: Object.entries(files)
      .map(([name, bytes]) => ({ name, bytes: bytes.length }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }
}
