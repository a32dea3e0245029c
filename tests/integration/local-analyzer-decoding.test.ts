import { execFile } from 'node:child_process'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import { findRecognizer } from '../../src/adapters/analyzer/local/speech'
import type { Analysis } from '../../src/shared/analysis'
import { ffmpeg, tempDir, tool } from '../support/media-generate'

const exec = promisify(execFile)
const recognizer = (await tool('ffmpeg')) ? await findRecognizer('ffmpeg', false) : null
const skipReason =
  recognizer?.kind !== 'pocketsphinx'
    ? 'needs ffmpeg, pocketsphinx and pocketsphinx-en-us (apt-get install ffmpeg pocketsphinx pocketsphinx-en-us)'
    : !(await tool('flite'))
      ? 'flite not installed (apt-get install flite)'
      : null
if (skipReason) console.warn(`[local-analyzer-decoding] skipped: ${skipReason}`)

/**
 * A clip whose speech runs to its very last sample (no pause after it), as a cut-out quote often
 * does: pocketsphinx then cannot close the utterance's lattice ("Failed to find DAG node
 * corresponding to </s>") and prints nothing for it.
 */
async function clippedSpeech(dir: string, name: string, voice: string, text: string): Promise<string> {
  const raw = path.join(dir, `${name}.wav`)
  await exec('flite', ['-voice', voice, '-t', text, '-o', raw])
  const out = path.join(dir, `${name}.mp4`)
  await ffmpeg(['-f', 'lavfi', '-i', 'color=c=0x224466:size=320x180:rate=25', '-i', raw, '-shortest', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', out])
  return out
}

describe.skipIf(skipReason !== null)('local analyzer: decoding that does not give up', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-decoding-'))
  })
  afterAll(async () => cleanup())

  const analyse = async (file: string, pocketsphinxPath?: string): Promise<Analysis> => {
    const artifactsDir = path.join(dir, 'artifacts', path.basename(file))
    await mkdir(artifactsDir, { recursive: true })
    return createLocalAnalyzer({ dataDir: dir, ocr: false, ...(pocketsphinxPath ? { pocketsphinxPath } : {}) }).analyze(
      { kind: 'file', path: file, sizeBytes: 0, temporary: false },
      { videoId: 'v', title: null, signal: AbortSignal.timeout(120_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
  }

  const cases = [
    { voice: 'kal16', text: 'Volcanoes form where magma rises through cracks in the crust.' },
    { voice: 'rms', text: 'Honey bees dance to tell each other where flowers grow.' }
  ]
  for (const c of cases) {
    it(`transcribes a short clip that ends mid-speech instead of calling it silent (flite ${c.voice})`, async () => {
      const a = await analyse(await clippedSpeech(dir, `clip-${c.voice}`, c.voice, c.text))
      expect(a.provenance.warnings).not.toContain('no speech recognised')
      expect(a.provenance.warnings.filter((w) => /recogniser failed/.test(w))).toEqual([])
      expect(a.provenance.transcriptSource).toBe('speech-recognition')
      const said = new Set(c.text.toLowerCase().split(/[^a-z]+/))
      const words = (a.transcript?.text ?? '').split(' ').filter((w) => said.has(w))
      expect(words.length, a.transcript?.text).toBeGreaterThanOrEqual(4)
      // The retry keeps word confidences (silence around the clip, not a decode without a lattice).
      expect((a.transcript?.segments ?? []).flatMap((s) => s.words ?? []).every((w) => w.confidence !== null)).toBe(true)
    })
  }

  it('reports a recogniser that fails as a failure, with its reason, not as silence', async () => {
    const fake = path.join(dir, 'broken-pocketsphinx')
    // Writes an error to its log file (-logfn) the way pocketsphinx does, then exits 1.
    await writeFile(
      fake,
      ['#!/bin/sh', 'while [ $# -gt 0 ]; do if [ "$1" = "-logfn" ]; then log="$2"; fi; shift; done',
        'echo \'ERROR: "acmod.c", line 83: Failed to read acoustic model\' > "$log"', 'exit 1', ''].join('\n')
    )
    await chmod(fake, 0o755)
    const a = await analyse(await clippedSpeech(dir, 'clip-broken', 'awb', 'Salt dissolves quickly in warm water.'), fake)
    expect(a.provenance.warnings).not.toContain('no speech recognised')
    expect(a.provenance.warnings).toContainEqual(expect.stringMatching(/^the speech recogniser failed on 0:00–0:0\d \("acmod\.c", line 83: Failed to read acoustic model\): nothing recognised there$/))
  })
})
