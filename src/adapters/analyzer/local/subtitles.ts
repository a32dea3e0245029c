import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { run } from './run'

export interface Cue {
  start: number
  end: number
  text: string
}

function seconds(ts: string): number {
  const m = /(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})/.exec(ts)
  if (!m) return NaN
  return Number(m[1] ?? 0) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number((m[4] ?? '0').padEnd(3, '0')) / 1000
}

function clean(text: string): string {
  return text
    .replace(/<[^>]+>/g, '')
    .replace(/\{\\[^}]*\}/g, '')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
}

/** Parses SRT or WebVTT (both are blocks with a `start --> end` line followed by text lines). */
export function parseCues(source: string): Cue[] {
  const cues: Cue[] = []
  const blocks = source.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').split(/\n{2,}/)
  for (const block of blocks) {
    const lines = block.split('\n')
    const at = lines.findIndex((l) => l.includes('-->'))
    if (at < 0) continue
    const [a, b] = (lines[at] as string).split('-->')
    const start = seconds(a ?? '')
    const end = seconds(b ?? '')
    const text = clean(lines.slice(at + 1).join(' '))
    if (Number.isFinite(start) && Number.isFinite(end) && text) cues.push({ start, end: Math.max(start, end), text })
  }
  return cues.sort((x, y) => x.start - y.start)
}

/** Reads an embedded text subtitle stream as SRT (ffmpeg converts mov_text, ASS, WebVTT…). */
export async function readEmbedded(o: { ffmpeg: string; file: string; stream: number; signal: AbortSignal; timeoutMs: number }): Promise<Cue[]> {
  const res = await run(
    o.ffmpeg,
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', o.file, '-map', `0:${o.stream}`, '-c:s', 'srt', '-f', 'srt', 'pipe:1'],
    { signal: o.signal, timeoutMs: o.timeoutMs }
  )
  return res.code === 0 ? parseCues(res.stdout) : []
}

/** A `.srt`/`.vtt` next to the video with the same base name (also `name.en.srt`, `name.eng.vtt`). */
export async function findSidecar(videoFile: string): Promise<string | null> {
  const base = videoFile.slice(0, videoFile.length - path.extname(videoFile).length)
  for (const suffix of ['', '.en', '.eng']) {
    for (const ext of ['.srt', '.vtt']) {
      const candidate = `${base}${suffix}${ext}`
      if (await stat(candidate).then((s) => s.isFile() && s.size > 0, () => false)) return candidate
    }
  }
  return null
}

export async function readSidecar(file: string): Promise<Cue[]> {
  return parseCues(await readFile(file, 'utf8'))
}

/**
 * Words an operator lists for a video in `<video name>.vocabulary.txt` beside it (free text or one
 * term per line): the speech recogniser is taught them for that video. Empty when there is none.
 */
export async function sidecarVocabulary(videoFile: string): Promise<string[]> {
  const base = videoFile.slice(0, videoFile.length - path.extname(videoFile).length)
  const text = await readFile(`${base}.vocabulary.txt`, 'utf8').catch(() => '')
  return text.split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 500)
}
