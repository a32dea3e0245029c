import { open, writeFile } from 'node:fs/promises'

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
  const { offset, length, sampleRate } = await pcmLayout(source)
  const from = Math.min(length, Math.floor(start * sampleRate) * 2)
  const to = Math.min(length, Math.floor(end * sampleRate) * 2)
  const pcm = Buffer.alloc(Math.max(0, to - from))
  const fh = await open(source, 'r')
  try {
    await fh.read(pcm, 0, pcm.length, offset + from)
  } finally {
    await fh.close()
  }
  const pad = Buffer.alloc(Math.round(padSeconds * sampleRate) * 2)
  await writeFile(target, Buffer.concat([header(pcm.length + pad.length * 2, sampleRate), pad, pcm, pad]))
  return pcm.length / 2 / sampleRate
}
