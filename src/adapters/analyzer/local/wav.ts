import { open } from 'node:fs/promises'

/** Where the PCM samples of a 16-bit mono WAV are, read from its RIFF chunks. */
async function pcmLayout(file: string): Promise<{ offset: number; length: number; sampleRate: number }> {
  const fh = await open(file, 'r')
  try {
    const size = (await fh.stat()).size
    const head = Buffer.alloc(Math.min(size, 4096))
    await fh.read(head, 0, head.length, 0)
    if (head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') throw new Error(`${file} is not a WAV file`)
    let at = 12
    let sampleRate = 16000
    while (at + 8 <= head.length) {
      const id = head.toString('latin1', at, at + 4)
      const len = head.readUInt32LE(at + 4)
      if (id === 'fmt ') sampleRate = head.readUInt32LE(at + 12)
      if (id === 'data') {
        const offset = at + 8
        // A WAV written to a pipe or cut short carries a placeholder size: trust the file instead.
        const length = len === 0 || len === 0xffffffff || offset + len > size ? size - offset : len
        return { offset, length: length - (length % 2), sampleRate }
      }
      at += 8 + len + (len % 2)
    }
    throw new Error(`${file} has no data chunk`)
  } finally {
    await fh.close()
  }
}

/** The byte range of `[start, end)` seconds within the PCM data, clamped to it. */
function byteRange(layout: { length: number; sampleRate: number }, start: number, end: number): { first: number; last: number } {
  const first = Math.min(layout.length, Math.max(0, Math.floor(start * layout.sampleRate)) * 2)
  return { first, last: Math.max(first, Math.min(layout.length, Math.floor(end * layout.sampleRate) * 2)) }
}

function header(bytes: number, sampleRate: number): Buffer {
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'latin1')
  h.writeUInt32LE(36 + bytes, 4)
  h.write('WAVEfmt ', 8, 'latin1')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20) // PCM
  h.writeUInt16LE(1, 22) // mono
  h.writeUInt32LE(sampleRate, 24)
  h.writeUInt32LE(sampleRate * 2, 28)
  h.writeUInt16LE(2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'latin1')
  h.writeUInt32LE(bytes, 40)
  return h
}

/**
 * Copies `[start, end)` seconds of a 16-bit mono WAV into a new plain WAV (no ffmpeg needed),
 * with `padSeconds` of silence before and after it. Returns the seconds of audio copied.
 */
export async function sliceWav(source: string, target: string, start: number, end: number, padSeconds = 0): Promise<number> {
  const layout = await pcmLayout(source)
  const { offset, sampleRate } = layout
  const { first: from, last: to } = byteRange(layout, start, end)
  const pad = Buffer.alloc(Math.round(padSeconds * sampleRate) * 2)
  // Copied through one small block: a buffer per chunk would pile up outside the JS heap, where
  // nothing prompts a collection, by ~2 MB a chunk over a lecture.
  const block = Buffer.alloc(Math.min(256 * 1024, Math.max(2, to - from)))
  const input = await open(source, 'r')
  try {
    const output = await open(target, 'w')
    try {
      await output.write(header(to - from + pad.length * 2, sampleRate))
      if (pad.length) await output.write(pad)
      for (let at = from; at < to; ) {
        const { bytesRead } = await input.read(block, 0, Math.min(block.length, to - at), offset + at)
        if (bytesRead === 0) break
        await output.write(block, 0, bytesRead)
        at += bytesRead
      }
      if (pad.length) await output.write(pad)
    } finally {
      await output.close()
    }
  } finally {
    await input.close()
  }
  return (to - from) / 2 / sampleRate
}

/**
 * The middle of the quietest `windowSeconds` between `from` and `to` seconds of a 16-bit mono WAV:
 * a pause between words, where a cut loses nothing, even in a recording whose pauses are not silent.
 */
export async function quietestMoment(file: string, from: number, to: number, windowSeconds = 0.2): Promise<number> {
  const { pcm, sampleRate, startSeconds } = await readPcm(file, from, to)
  const frame = Math.max(1, Math.round(sampleRate / 100)) // 10 ms
  const energy: number[] = []
  for (let at = 0; at + frame * 2 <= pcm.length; at += frame * 2) {
    let sum = 0
    for (let k = 0; k < frame; k++) sum += pcm.readInt16LE(at + k * 2) ** 2
    energy.push(sum)
  }
  const span = Math.max(1, Math.round(windowSeconds * 100))
  if (energy.length <= span) return (from + to) / 2
  const sums: number[] = []
  let run = energy.slice(0, span).reduce((a, b) => a + b, 0)
  sums.push(run)
  for (let i = span; i < energy.length; i++) {
    run += (energy[i] as number) - (energy[i - span] as number)
    sums.push(run)
  }
  const least = Math.min(...sums)
  // Pauses about as quiet as the quietest count alike: take the one nearest the middle of the
  // range, and cut in its middle, so both sides keep some of it.
  const quiet = (x: number) => x <= least * 2 + span
  const middle = (sums.length - 1) / 2
  let lo = 0
  for (let i = 0; i < sums.length; i++) {
    if (quiet(sums[i] as number) && (!quiet(sums[lo] as number) || Math.abs(i - middle) < Math.abs(lo - middle))) lo = i
  }
  let hi = lo
  while (lo > 0 && quiet(sums[lo - 1] as number)) lo--
  while (hi < sums.length - 1 && quiet(sums[hi + 1] as number)) hi++
  const bestAt = (lo + hi) / 2
  return startSeconds + ((bestAt + span / 2) * frame) / sampleRate
}

/** The 16-bit samples of `[from, to)` seconds of a mono WAV, and where they start. */
async function readPcm(file: string, from: number, to: number): Promise<{ pcm: Buffer; sampleRate: number; startSeconds: number }> {
  const layout = await pcmLayout(file)
  const { offset, sampleRate } = layout
  const { first, last } = byteRange(layout, from, to)
  const pcm = Buffer.alloc(last - first)
  const fh = await open(file, 'r')
  try {
    await fh.read(pcm, 0, pcm.length, offset + first)
  } finally {
    await fh.close()
  }
  return { pcm, sampleRate, startSeconds: first / 2 / sampleRate }
}

/**
 * The median pitch in Hz of the voiced stretches of `[from, to)` seconds of a mono WAV, from the
 * autocorrelation of 40 ms frames every 200 ms (70–400 Hz); null when too little of it is voiced.
 */
export async function medianPitch(file: string, from: number, to: number): Promise<number | null> {
  const { pcm, sampleRate } = await readPcm(file, from, to)
  const samples = new Float64Array(pcm.length / 2)
  for (let i = 0; i < samples.length; i++) samples[i] = pcm.readInt16LE(i * 2)
  const size = Math.round(sampleRate * 0.04)
  const step = Math.round(sampleRate * 0.2)
  const minLag = Math.floor(sampleRate / 400)
  const maxLag = Math.ceil(sampleRate / 70)
  const frames: { energy: number; pitch: number | null }[] = []
  for (let at = 0; at + size + maxLag <= samples.length; at += step) {
    let energy = 0
    for (let k = 0; k < size; k++) energy += (samples[at + k] as number) ** 2
    let best = 0
    let bestLag = 0
    for (let lag = minLag; lag <= maxLag; lag++) {
      let dot = 0
      let shifted = 0
      for (let k = 0; k < size; k++) {
        const b = samples[at + k + lag] as number
        dot += (samples[at + k] as number) * b
        shifted += b * b
      }
      const r = dot / Math.sqrt(energy * shifted || 1)
      if (r > best) {
        best = r
        bestLag = lag
      }
    }
    frames.push({ energy, pitch: best >= 0.6 && bestLag > 0 ? sampleRate / bestLag : null })
  }
  const loud = [...frames].sort((a, b) => a.energy - b.energy)[Math.floor(frames.length / 2)]?.energy ?? 0
  const pitches = frames.filter((f) => f.pitch !== null && f.energy >= loud).map((f) => f.pitch as number).sort((a, b) => a - b)
  return pitches.length >= 4 ? (pitches[Math.floor(pitches.length / 2)] as number) : null
}
