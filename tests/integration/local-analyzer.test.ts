import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import type { AnalyzeContext } from '../../src/core/ports'
import { Analysis } from '../../src/shared/analysis'
import { makeClip, tempDir, tool } from '../support/media-generate'

const hasFfmpeg = Boolean((await tool('ffmpeg')) && (await tool('ffprobe')))
if (!hasFfmpeg) console.warn('[local-analyzer] skipped: ffmpeg/ffprobe not on PATH (apt-get install ffmpeg)')

function context(dataDir: string, signal = new AbortController().signal): AnalyzeContext {
  return {
    videoId: 'v1',
    title: null,
    signal,
    setStatus: async () => {},
    onProgress: () => {},
    stage: () => {},
    log: () => {},
    artifactsDir: path.join(dataDir, 'artifacts', 'v1')
  }
}

describe.skipIf(!hasFfmpeg)('local analyzer: metadata', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir())
    await mkdir(path.join(dir, 'artifacts', 'v1'), { recursive: true })
  })
  afterAll(async () => cleanup())

  it('reads duration, resolution, codecs, audio and subtitle streams', async () => {
    const file = await makeClip(dir, 'meta.mp4', {
      seconds: 3,
      subtitles: { mode: 'embedded', cues: [{ start: 0.5, end: 2, text: 'Hello there' }] }
    })
    const analyzer = createLocalAnalyzer({ dataDir: dir })
    await analyzer.check()
    expect(analyzer.acceptsUrl({ kind: 'youtube', url: 'https://www.youtube.com/watch?v=x' })).toBe(false)
    const result = await analyzer.analyze({ kind: 'file', path: file, sizeBytes: 0, temporary: false }, context(dir))
    expect(Analysis.safeParse(result).success).toBe(true)
    expect(result.provenance.engine).toBe('local')
    const m = result.metadata
    expect(m?.durationSeconds).toBeCloseTo(3, 0)
    expect([m?.width, m?.height]).toEqual([320, 180])
    expect(m?.videoCodec).toBe('h264')
    expect(m?.audioCodec).toBe('aac')
    expect(m?.hasAudio).toBe(true)
    expect(m?.subtitleStreams).toEqual([{ index: 2, codec: 'mov_text', language: 'eng' }])
    expect(result.summary).toMatch(/0:03/)
  })

  it('fails a zero-byte file and a file that is not a video, naming the problem', async () => {
    const analyzer = createLocalAnalyzer({ dataDir: dir })
    const empty = path.join(dir, 'empty.mp4')
    await writeFile(empty, '')
    await expect(analyzer.analyze({ kind: 'file', path: empty, sizeBytes: 0, temporary: false }, context(dir))).rejects.toMatchObject({
      name: 'JobError',
      retryable: false,
      message: expect.stringMatching(/empty \(0 bytes\)/)
    })
    const text = path.join(dir, 'notes.mp4')
    await writeFile(text, 'these are my meeting notes, not a video\n'.repeat(50))
    await expect(analyzer.analyze({ kind: 'file', path: text, sizeBytes: 0, temporary: false }, context(dir))).rejects.toMatchObject({
      name: 'JobError',
      retryable: false,
      message: expect.stringMatching(/not a video or audio file/)
    })
  })
})
