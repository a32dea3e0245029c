import type { VideoSource } from '../../../shared/video-source'

/** Turns what the operator typed into a source: URL (YouTube or http), s3://bucket/key, or a path. */
export function parseSourceInput(raw: string): VideoSource | { error: string } {
  const text = raw.trim()
  if (text === '') return { error: 'Enter a URL, an S3 key or a file path' }
  const s3 = /^s3:\/\/([^/]+)\/(.+)$/.exec(text)
  if (s3?.[1] && s3[2]) return { kind: 's3', bucket: s3[1], key: s3[2] }
  if (/^https?:\/\//i.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      return { error: `Not a valid URL: ${text}` }
    }
    const host = url.hostname.replace(/^www\.|^m\./, '')
    if (host === 'youtube.com' || host === 'youtu.be' || host === 'music.youtube.com') return { kind: 'youtube', url: url.toString() }
    return { kind: 'http', url: url.toString() }
  }
  if (text.startsWith('/') || /^[a-zA-Z]:[\\/]/.test(text) || text.startsWith('\\\\')) return { kind: 'file', path: text }
  return { error: 'Use an http(s) URL, s3://bucket/key, or an absolute file path (or pick "S3 key" for a bare key)' }
}
