import { open } from 'node:fs/promises'
import { extname } from 'node:path'
import { JobError } from '../../core/errors'

/** Video types the Gemini API documents as supported, by extension. */
const BY_EXTENSION: Record<string, string> = {
  '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mpeg': 'video/mpeg', '.mpg': 'video/mpg', '.mov': 'video/mov',
  '.avi': 'video/avi', '.flv': 'video/x-flv', '.webm': 'video/webm', '.wmv': 'video/wmv', '.3gp': 'video/3gpp'
}

/** Container signatures for files whose name says nothing (S3 keys without an extension). */
function sniff(head: Buffer): string | null {
  const ascii = head.toString('latin1')
  if (ascii.slice(4, 8) === 'ftyp') return ascii.slice(8, 10) === 'qt' ? 'video/mov' : 'video/mp4'
  if (head.readUInt32BE(0) === 0x1a45dfa3) return ascii.includes('webm') ? 'video/webm' : 'video/x-matroska'
  if (ascii.startsWith('RIFF') && ascii.slice(8, 11) === 'AVI') return 'video/avi'
  if (ascii.startsWith('FLV')) return 'video/x-flv'
  if (head.readUInt32BE(0) === 0x000001ba || head.readUInt32BE(0) === 0x000001b3) return 'video/mpeg'
  if (head.readUInt32BE(0) === 0x3026b275) return 'video/wmv'
  return null
}

/** The MIME type to upload `path` as; a format Gemini does not take is a clear, final error. */
export async function videoMimeType(path: string): Promise<string> {
  const ext = extname(path).toLowerCase()
  const known = BY_EXTENSION[ext]
  if (known) return known
  const handle = await open(path, 'r')
  let sniffed: string | null
  try {
    const head = Buffer.alloc(64)
    const { bytesRead } = await handle.read(head, 0, 64, 0)
    sniffed = bytesRead >= 12 ? sniff(head) : null
  } finally {
    await handle.close()
  }
  if (sniffed && sniffed !== 'video/x-matroska') return sniffed
  const what = sniffed === 'video/x-matroska' ? 'Matroska (MKV)' : `'${ext || 'no extension'}' (unrecognised content)`
  throw new JobError(`Gemini does not accept ${what} video: transcode it to MP4 (H.264/AAC) or use the local analyzer`, {
    failure: 'unreadable-media',
    retryable: false
  })
}
