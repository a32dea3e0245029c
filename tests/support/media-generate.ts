/**
 * Test media made on the spot with ffmpeg's lavfi sources, drawtext slides and flite
 * speech, so no binary fixtures live in the repository. Everything is deterministic.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { which } from '../../src/adapters/analyzer/ffmpeg-path'

const exec = promisify(execFile)

/** A system tool, or null with the reason a test prints when it skips. */
export async function tool(name: string): Promise<string | null> {
  return which(name)
}

export async function tempDir(prefix = 'vp-media-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

export async function ffmpeg(args: string[], cwd?: string): Promise<void> {
  await exec('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], { cwd, maxBuffer: 16 << 20 })
}

/** A font file for drawtext (fontconfig's default font on Debian is DejaVu). */
export function fontFile(): string {
  const candidates = [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'
  ]
  const found = candidates.find((f) => existsSync(f))
  if (!found) throw new Error('no TrueType font found for drawtext: apt-get install fonts-dejavu-core')
  return found
}

/** Escapes text for drawtext's `text=` inside a filtergraph. */
function drawtextEscape(text: string): string {
  return text.replace(/\\/g, '\\\\\\\\').replace(/'/g, "\u2019").replace(/:/g, '\\:').replace(/,/g, '\\,').replace(/%/g, '\\%')
}

export interface Cue {
  start: number
  end: number
  text: string
}

export function toSrt(cues: Cue[]): string {
  const ts = (t: number) => {
    const ms = Math.round(t * 1000)
    const h = Math.floor(ms / 3_600_000)
    const m = Math.floor((ms % 3_600_000) / 60_000)
    const s = Math.floor((ms % 60_000) / 1000)
    const p = (n: number, w = 2) => String(n).padStart(w, '0')
    return `${p(h)}:${p(m)}:${p(s)},${p(ms % 1000, 3)}`
  }
  return cues.map((c, i) => `${i + 1}\n${ts(c.start)} --> ${ts(c.end)}\n${c.text}\n`).join('\n')
}

export interface ClipOptions {
  seconds: number
  width?: number
  height?: number
  fps?: number
  /** 'tone' (sine with beeps), 'silent' (a silent track), or 'none' (no audio stream). */
  audio?: 'tone' | 'silent' | 'none'
  /** Embedded as a mov_text track (mp4) or written as a sidecar .srt next to the file. */
  subtitles?: { cues: Cue[]; mode: 'embedded' | 'sidecar' }
  /** Test pattern (default) or a plain colour, which encodes to almost nothing. */
  video?: 'testsrc2' | 'color'
  /** x264 preset; ultrafast keeps generation cheap. */
  preset?: string
  /** Put the moov atom at the end (default) or the start (faststart). */
  faststart?: boolean
}

/** A lavfi test clip with optional audio and subtitles. */
export async function makeClip(dir: string, name: string, o: ClipOptions): Promise<string> {
  const w = o.width ?? 320
  const h = o.height ?? 180
  const fps = o.fps ?? 25
  const out = path.join(dir, name)
  const src = o.video === 'color' ? `color=c=0x336699:size=${w}x${h}:rate=${fps}` : `testsrc2=size=${w}x${h}:rate=${fps}`
  const args = ['-f', 'lavfi', '-i', `${src}:duration=${o.seconds}`]
  const audio = o.audio ?? 'tone'
  if (audio === 'tone') args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=16000:beep_factor=2:duration=${o.seconds}`)
  if (audio === 'silent') args.push('-f', 'lavfi', '-i', `anullsrc=r=16000:cl=mono:d=${o.seconds}`)
  let subIndex = -1
  if (o.subtitles) {
    const srt = o.subtitles.mode === 'sidecar' ? out.replace(/\.[^.]+$/, '.srt') : path.join(dir, `${name}.tmp.srt`)
    await writeFile(srt, toSrt(o.subtitles.cues))
    if (o.subtitles.mode === 'embedded') {
      args.push('-i', srt)
      subIndex = audio === 'none' ? 1 : 2
    }
  }
  args.push('-map', '0:v')
  if (audio !== 'none') args.push('-map', '1:a', '-c:a', 'aac', '-b:a', '48k')
  if (subIndex >= 0) args.push('-map', `${subIndex}:s`, '-c:s', 'mov_text', '-metadata:s:s:0', 'language=eng')
  args.push('-c:v', 'libx264', '-preset', o.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p', '-t', String(o.seconds))
  if (o.faststart) args.push('-movflags', '+faststart')
  args.push(out)
  await ffmpeg(args)
  return out
}

export interface Slide {
  title: string
  body?: string
  /** Spoken while the slide shows (flite); the slide lasts as long as its speech plus a pause. */
  speech: string
}

export interface Lecture {
  file: string
  /** Start time of every slide after the first (where a cut belongs). */
  slideChanges: number[]
  slideStarts: number[]
  speechText: string
  /** One cue per spoken sentence, timed exactly from the synthesised audio. */
  cues: Cue[]
}

async function wavSeconds(file: string): Promise<number> {
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file])
  return Number(stdout.trim())
}

const PAUSE = 0.4

/** A text-to-speech voice: flite's (`slt`, `kal16`, `awb`, `rms`, …) or espeak-ng's (`en-us`, `en-us+m3`, …). */
export type Voice = { engine: 'flite'; name: string } | { engine: 'espeak-ng'; name: string; wordsPerMinute?: number }

/** Writes `text` spoken by `voice` to the WAV file `out`. */
export async function speak(text: string, out: string, voice: Voice = { engine: 'flite', name: 'slt' }): Promise<void> {
  if (voice.engine === 'flite') await exec('flite', ['-voice', voice.name, '-t', text, '-o', out])
  else await exec('espeak-ng', ['-v', voice.name, '-s', String(voice.wordsPerMinute ?? 150), '-w', out, text])
}

/**
 * Slides drawn with drawtext, each narrated sentence by sentence by flite's `slt` voice or `voice`
 * (needs flite or espeak-ng). `subtitles` embeds the sentence cues as a mov_text track; `blank`
 * draws no text (a narrated plain background).
 */
export async function makeSlideLecture(
  dir: string,
  name: string,
  slides: Slide[],
  opts: { width?: number; height?: number; subtitles?: boolean; voice?: Voice; blank?: boolean } = {}
): Promise<Lecture> {
  const w = opts.width ?? 640
  const h = opts.height ?? 360
  const font = fontFile()
  const parts: string[] = []
  const slideStarts: number[] = []
  const cues: Cue[] = []
  let t = 0
  for (const [i, slide] of slides.entries()) {
    const sentences = slide.speech.match(/[^.!?]+[.!?]+/g)?.map((x) => x.trim()) ?? [slide.speech]
    const wavs: string[] = []
    let at = 0.5
    for (const [k, sentence] of sentences.entries()) {
      const wav = path.join(dir, `speech-${i}-${k}.wav`)
      await speak(sentence, wav, opts.voice)
      const len = await wavSeconds(wav)
      cues.push({ start: round3(t + at), end: round3(t + at + len), text: sentence })
      at += len + PAUSE
      wavs.push(wav)
    }
    const seconds = Math.ceil(at + 1)
    const part = path.join(dir, `slide-${i}.mp4`)
    const titleSize = Math.round(h / 12)
    const draw = opts.blank ? 'null' : [
      `drawtext=fontfile=${font}:text='${drawtextEscape(slide.title)}':fontsize=${titleSize}:fontcolor=black:x=(w-text_w)/2:y=h/6`,
      ...(slide.body
        ? [`drawtext=fontfile=${font}:text='${drawtextEscape(slide.body)}':fontsize=${Math.round(titleSize * 0.6)}:fontcolor=0x333333:x=w/10:y=h/2`]
        : [])
    ].join(',')
    const speech = wavs.map((_, k) => `[${k + 1}:a]aresample=16000,apad=pad_dur=${PAUSE}[s${k}]`).join(';')
    const joined = wavs.map((_, k) => `[s${k}]`).join('')
    await ffmpeg([
      '-f', 'lavfi', '-i', `color=c=white:size=${w}x${h}:rate=25:duration=${seconds}`,
      ...wavs.flatMap((x) => ['-i', x]),
      '-filter_complex',
      `[0:v]${draw},format=yuv420p[v];${speech};${joined}concat=n=${wavs.length}:v=0:a=1,adelay=500|500,apad=whole_dur=${seconds}[a]`,
      '-map', '[v]', '-map', '[a]', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'stillimage', '-c:a', 'aac', '-b:a', '48k', '-t', String(seconds),
      part
    ])
    parts.push(part)
    slideStarts.push(t)
    t += seconds
  }
  const list = path.join(dir, `${name}.txt`)
  await writeFile(list, parts.map((p) => `file '${p}'`).join('\n'))
  const file = path.join(dir, name)
  if (opts.subtitles) {
    const srt = path.join(dir, `${name}.srt`)
    await writeFile(srt, toSrt(cues))
    await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-i', srt, '-map', '0', '-map', '1', '-c', 'copy', '-c:s', 'mov_text', '-metadata:s:s:0', 'language=eng', file])
  } else {
    await ffmpeg(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', file])
  }
  return { file, slideStarts, slideChanges: slideStarts.slice(1), speechText: slides.map((s) => s.speech).join(' '), cues }
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/** Word error rate (Levenshtein over lower-cased words). */
export function wordErrorRate(reference: string, hypothesis: string): number {
  const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean)
  const r = norm(reference)
  const hyp = norm(hypothesis)
  let prev = Array.from({ length: hyp.length + 1 }, (_, j) => j)
  for (let i = 1; i <= r.length; i++) {
    const cur = [i]
    for (let j = 1; j <= hyp.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (r[i - 1] === hyp[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return r.length === 0 ? 0 : (prev[hyp.length] ?? 0) / r.length
}
