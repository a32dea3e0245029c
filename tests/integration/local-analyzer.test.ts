import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectCapabilities, resolveFfmpeg } from '../../src/adapters/analyzer/ffmpeg-path'
import { createLocalAnalyzer, type LocalAnalyzerOptions } from '../../src/adapters/analyzer/local'
import { OcrSession, ocrImages } from '../../src/adapters/analyzer/local/ocr'
import type { AnalyzeContext } from '../../src/core/ports'
import { Analysis } from '../../src/shared/analysis'
import { ffmpeg, makeClip, tempDir, tool } from '../support/media-generate'

const hasFfmpeg = Boolean((await tool('ffmpeg')) && (await tool('ffprobe')))
if (!hasFfmpeg) console.warn('[local-analyzer] skipped: ffmpeg/ffprobe not on PATH (apt-get install ffmpeg)')
const NPM_FFMPEG = path.resolve('node_modules/@ffmpeg-installer/linux-x64/ffmpeg')
const hasNpmFfmpeg = process.platform === 'linux' && process.arch === 'x64' && existsSync(NPM_FFMPEG) && existsSync(path.resolve('node_modules/@ffprobe-installer/linux-x64/ffprobe'))
if (!hasNpmFfmpeg) console.warn('[local-analyzer] old-ffmpeg checks skipped: no @ffmpeg-installer/linux-x64 binary')

let dir = ''
let cleanup: () => Promise<void> = async () => {}
let subs = ''
const cues = [
  { start: 0.5, end: 2, text: 'Welcome to the storage lecture.' },
  { start: 2.2, end: 3.8, text: 'Disks keep data when the power is off.' }
]

function context(signal = new AbortController().signal): AnalyzeContext {
  return {
    videoId: 'v1',
    title: null,
    signal,
    setStatus: async () => {},
    onProgress: () => {},
    stage: () => {},
    log: () => {},
    artifactsDir: path.join(dir, 'artifacts', 'v1')
  }
}
const analyzer = (o: Partial<LocalAnalyzerOptions> = {}) => createLocalAnalyzer({ dataDir: dir, ocr: false, ...o })
const analyze = (file: string, o: Partial<LocalAnalyzerOptions> = {}, signal?: AbortSignal) =>
  analyzer(o).analyze({ kind: 'file', path: file, sizeBytes: 0, temporary: false }, context(signal))

/** Child processes of this test process (ffmpeg, pocketsphinx…), as `pid command`. */
function children(): string[] {
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !/\bps$/.test(l))
  } catch {
    return []
  }
}

describe.skipIf(!hasFfmpeg)('local analyzer', () => {
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir())
    await mkdir(path.join(dir, 'artifacts', 'v1'), { recursive: true })
    subs = await makeClip(dir, 'subs.mp4', { seconds: 4, subtitles: { mode: 'embedded', cues } })
  })
  afterAll(async () => cleanup())

  it('reads metadata, cuts and keyframes, and takes an embedded subtitle track as the transcript', async () => {
    const file = subs
    const a = analyzer()
    await a.check()
    expect(a.acceptsUrl({ kind: 'youtube', url: 'https://www.youtube.com/watch?v=x' })).toBe(false)
    const result = await a.analyze({ kind: 'file', path: file, sizeBytes: 0, temporary: false }, context())
    expect(Analysis.safeParse(result).success).toBe(true)
    expect(result.provenance).toMatchObject({ engine: 'local', model: 'local:full', transcriptSource: 'subtitles' })
    const m = result.metadata
    expect(m?.durationSeconds).toBeCloseTo(4, 0)
    expect([m?.width, m?.height, m?.videoCodec, m?.audioCodec, m?.hasAudio]).toEqual([320, 180, 'h264', 'aac', true])
    expect(m?.subtitleStreams).toEqual([{ index: 2, codec: 'mov_text', language: 'eng' }])
    expect(result.transcript?.segments).toEqual(cues)
    expect(result.transcript?.text).toBe(cues.map((c) => c.text).join('\n'))
    expect(result.keyframes?.length).toBeGreaterThan(0)
    for (const k of result.keyframes ?? []) {
      expect(path.isAbsolute(k.path)).toBe(false)
      expect((await stat(path.join(dir, k.path))).size).toBeGreaterThan(0)
    }
    expect(result.signals?.loudness).toMatchObject({ integratedLufs: expect.any(Number) })
  })

  it('runs no speech recognition when subtitles exist (a recogniser that would run leaves a mark)', async () => {
    const marker = path.join(dir, 'recognizer-ran')
    const fake = path.join(dir, 'fake-pocketsphinx')
    await writeFile(fake, `#!/bin/sh\ntouch '${marker}'\n`)
    await chmod(fake, 0o755)
    const model = path.join(dir, 'fake-model')
    await mkdir(path.join(model, 'en-us'), { recursive: true })
    await writeFile(path.join(model, 'en-us', 'mdef'), '')
    const speechOpts = { pocketsphinxPath: fake, speechModelDir: model }

    const sidecar = await makeClip(dir, 'sidecar.mp4', { seconds: 4, subtitles: { mode: 'sidecar', cues } })
    const withSidecar = await analyze(sidecar, speechOpts)
    expect(withSidecar.provenance.transcriptSource).toBe('sidecar')
    expect(withSidecar.transcript?.segments).toEqual(cues)
    const embedded = await analyze(subs, speechOpts)
    expect(embedded.provenance.transcriptSource).toBe('subtitles')
    expect(existsSync(marker)).toBe(false)

    // Control: the same kind of clip without subtitles does reach the recogniser.
    const plain = await makeClip(dir, 'plain.mp4', { seconds: 4 })
    const result = await analyze(plain, speechOpts)
    expect(existsSync(marker)).toBe(true)
    expect(result.provenance.transcriptSource).toBe('none')
  })

  it('says so when no speech recognizer is installed', async () => {
    const result = await analyze(path.join(dir, 'plain.mp4'), { speechModelDir: path.join(dir, 'no-model') })
    expect(result.provenance.transcriptSource).toBe('none')
    expect(result.provenance.warnings).toContain(
      'no speech recognizer installed (apt-get install pocketsphinx pocketsphinx-en-us): no transcript'
    )
    expect(result.provenance.warnings.some((w) => w.startsWith('no text found'))).toBe(true)
    expect(result.quiz).toEqual([])
  })

  it("takes the container's titled chapters over its own", async () => {
    const meta = path.join(dir, 'chapters.txt')
    await writeFile(meta, ';FFMETADATA1\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=2000\ntitle=Opening\n[CHAPTER]\nTIMEBASE=1/1000\nSTART=2000\nEND=4000\ntitle=Closing\n')
    const file = path.join(dir, 'chapters.mkv')
    await ffmpeg(['-i', subs, '-i', meta, '-map', '0', '-map_chapters', '1', '-c', 'copy', '-c:s', 'srt', file])
    const result = await analyze(file)
    expect(result.chapters).toEqual([
      { start: 0, end: 2, title: 'Opening' },
      { start: 2, end: 4, title: 'Closing' }
    ])
  })

  it('names FFMPEG_PATH when it points at nothing', async () => {
    const a = createLocalAnalyzer({ dataDir: dir, env: { PATH: process.env.PATH, FFMPEG_PATH: path.join(dir, 'no-such-ffmpeg') } })
    await expect(a.check()).rejects.toThrow(/no-such-ffmpeg \(from FFMPEG_PATH\) does not run/)
  })

  describe('bad input', () => {
    it('fails a zero-byte file and a file that is not a video, naming the problem', async () => {
      const empty = path.join(dir, 'empty.mp4')
      await writeFile(empty, '')
      await expect(analyze(empty)).rejects.toMatchObject({ name: 'JobError', retryable: false, message: expect.stringMatching(/empty \(0 bytes\)/) })
      const text = path.join(dir, 'notes.mp4')
      await writeFile(text, 'these are my meeting notes, not a video\n'.repeat(50))
      await expect(analyze(text)).rejects.toMatchObject({
        name: 'JobError',
        failureCause: 'unreadable-media',
        retryable: false,
        message: expect.stringMatching(/not a video or audio file/)
      })
      await expect(analyze(path.join(dir, 'missing.mp4'))).rejects.toMatchObject({ failureCause: 'source-missing', retryable: false })
    })

    it('fails a truncated mp4 without its index, and warns on a truncated one that still plays', async () => {
      const cut = await makeClip(dir, 'cut.mp4', { seconds: 6 })
      await truncate(cut, Math.floor((await stat(cut)).size / 2))
      await expect(analyze(cut)).rejects.toMatchObject({ name: 'JobError', retryable: false, message: expect.stringMatching(/truncated or damaged/) })

      const fast = await makeClip(dir, 'fast.mp4', { seconds: 12, faststart: true })
      await truncate(fast, Math.floor((await stat(fast)).size / 2))
      const result = await analyze(fast)
      expect(result.provenance.warnings.some((w) => /probably truncated/.test(w))).toBe(true)
    })

    it('analyses audio only, a silent video and a video without sound, with warnings', async () => {
      const audio = path.join(dir, 'audio.m4a')
      await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=300:sample_rate=16000:duration=4', '-c:a', 'aac', audio])
      const a = await analyze(audio)
      expect(a.provenance.warnings).toContain('audio only: no picture to analyse')
      expect(a.keyframes).toEqual([])
      expect(a.metadata?.hasAudio).toBe(true)

      const silent = await makeClip(dir, 'silent.mp4', { seconds: 4, audio: 'silent' })
      const s = await analyze(silent)
      expect(s.provenance.warnings).toContain('the audio is silent: no speech to transcribe')
      expect(s.signals?.silences).toEqual([{ start: 0, end: expect.closeTo(4, 0) }])

      const mute = await makeClip(dir, 'mute.mp4', { seconds: 3, audio: 'none' })
      const n = await analyze(mute)
      expect(n.provenance.warnings).toContain('no audio track')
      expect(n.metadata?.hasAudio).toBe(false)
    })

    it('analyses a 4K video with keyframes scaled down', async () => {
      const uhd = await makeClip(dir, 'uhd.mp4', { seconds: 2, width: 3840, height: 2160, fps: 5, audio: 'none', video: 'color' })
      const r = await analyze(uhd)
      expect([r.metadata?.width, r.metadata?.height]).toEqual([3840, 2160])
      expect(r.summary).toMatch(/4K/)
      const first = r.keyframes?.[0]
      expect(first).toBeDefined()
      const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width', '-of', 'csv=p=0', path.join(dir, first?.path ?? '')], { encoding: 'utf8' })
      expect(Number(probe.trim())).toBe(960)
    })

    it('reads only the metadata of a video longer than maxSeconds', async () => {
      const long = await makeClip(dir, 'long.mp4', { seconds: 3 * 3600, width: 64, height: 36, fps: 1, audio: 'none', video: 'color' })
      const r = await analyze(long, { maxSeconds: 2 * 3600 })
      expect(r.metadata?.durationSeconds).toBeCloseTo(3 * 3600, 0)
      expect(r.provenance.model).toBe('local:ffprobe')
      expect(r.provenance.warnings).toContain('longer than the 120 min limit (maxSeconds): metadata only')
      expect(r.summary).toMatch(/3:00:00/)
    })
  })

  describe('cancel and timeout', () => {
    let long = ''
    beforeAll(async () => {
      long = await makeClip(dir, 'busy.mp4', { seconds: 120, width: 640, height: 360 })
    })

    it('kills its child processes when the job is cancelled', async () => {
      const controller = new AbortController()
      const pending = analyze(long, {}, controller.signal)
      const settled = pending.catch((e: unknown) => e)
      for (let i = 0; i < 200 && !children().some((c) => /ffmpeg/.test(c)); i++) await new Promise((r) => setTimeout(r, 25))
      expect(children().some((c) => /ffmpeg/.test(c))).toBe(true)
      controller.abort()
      const error = await settled
      expect(error).toMatchObject({ name: 'AbortError' })
      expect(children()).toEqual([])
    })

    it('stops reading text off keyframes when cancelled', async () => {
      const image = path.join(dir, 'frame.jpg')
      await ffmpeg(['-f', 'lavfi', '-i', 'testsrc2=size=960x540:duration=1', '-frames:v', '1', image])
      const controller = new AbortController()
      const pending = ocrImages([image, image, image, image], controller.signal).catch((e: unknown) => e)
      setTimeout(() => controller.abort(), 50)
      expect(await pending).toMatchObject({ name: 'AbortError' })
    })

    it('ends the OCR worker it starts early when nothing gets read: closed while starting, closed once up, or cancelled', async () => {
      // tesseract.js runs in a worker thread, which holds a MessagePort while it lives.
      const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort' || r === 'Worker').length
      const until = async (ok: () => boolean) => {
        for (let i = 0; i < 250 && !ok(); i++) await new Promise((r) => setTimeout(r, 20))
      }
      await until(() => ports() === 0)
      const before = ports()
      const up = new OcrSession(new AbortController().signal)
      await until(() => ports() > before)
      expect(ports()).toBeGreaterThan(before)
      await up.close()
      await until(() => ports() === before)
      expect(ports()).toBe(before)

      await new OcrSession(new AbortController().signal).close()
      const controller = new AbortController()
      const cancelled = new OcrSession(controller.signal)
      controller.abort()
      await expect(cancelled.read([path.join(dir, 'frame.jpg')])).rejects.toMatchObject({ name: 'AbortError' })
      await new Promise((r) => setTimeout(r, 1500))
      expect(ports()).toBe(before)
    })

    it('stops with a timeout JobError when the analysis takes too long', async () => {
      const error = await analyze(long, { timeoutMs: 500 }).catch((e: unknown) => e)
      expect(error).toMatchObject({ name: 'JobError', failureCause: 'timeout', retryable: false })
      expect(children()).toEqual([])
    })
  })

  describe.skipIf(!hasNpmFfmpeg)('the old npm ffmpeg build', () => {
    it('is detected as lacking scdet and -fps_mode while the system one has them', async () => {
      const old = await detectCapabilities(NPM_FFMPEG)
      expect([old.filters.has('scdet'), old.filters.has('asr'), old.fpsMode]).toEqual([false, false, false])
      expect(old.filters.has('freezedetect')).toBe(true)
      const system = await detectCapabilities('ffmpeg')
      expect([system.filters.has('scdet'), system.fpsMode]).toEqual([true, true])
    })

    it('is the fallback, with the npm ffprobe, when nothing is on PATH', async () => {
      const env = { PATH: '' }
      const tools = await resolveFfmpeg({ env })
      expect(tools.origin).toEqual({ ffmpeg: 'npm', ffprobe: 'npm' })
      const result = await analyze(subs, { env })
      expect(result.signals?.ffmpeg).toMatchObject({ origin: 'npm' })
      expect(result.metadata?.subtitleStreams).toEqual([{ index: 2, codec: 'mov_text', language: 'eng' }])
      expect(result.transcript?.segments).toEqual(cues)
    })

    it('finds the same cuts and subtitles as the system ffmpeg', async () => {
      const file = path.join(dir, 'cuts.mp4')
      await ffmpeg([
        '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=25:duration=4',
        '-f', 'lavfi', '-i', 'smptebars=size=320x180:rate=25:duration=4',
        '-filter_complex', '[0:v][1:v]concat=n=2:v=1:a=0[v]', '-map', '[v]', '-c:v', 'libx264', '-preset', 'ultrafast', file
      ])
      const before = await analyze(file)
      const old = await analyze(file, { ffmpegPath: NPM_FFMPEG })
      expect(old.signals?.cuts).toEqual([expect.closeTo(4, 0)])
      expect(old.signals?.cuts).toEqual(before.signals?.cuts)
      const oldSubs = await analyze(subs, { ffmpegPath: NPM_FFMPEG })
      expect(oldSubs.transcript?.segments).toEqual(cues)
      expect(await readFile(path.join(dir, old.keyframes?.[0]?.path ?? 'x'))).toBeTruthy()
    })
  })
})
