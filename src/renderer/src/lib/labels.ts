import { failureCauseInfo, type FailureCause, type VideoStatus } from '../../../shared/video-status'
import type { VideoSource } from '../../../shared/video-source'

export const STATUSES: VideoStatus[] = ['queued', 'processing', 'downloading', 'uploading', 'completed', 'failed']

export const CAUSE_LABEL = Object.fromEntries(
  Object.entries(failureCauseInfo).map(([cause, info]) => [cause, info.label])
) as Record<FailureCause, string>

/** The error text of a failed row: the seed stores `Error: …` in analysis_result. */
export function errorText(analysisResult: string | null): string | null {
  if (!analysisResult) return null
  return analysisResult.startsWith('Error: ') ? analysisResult.slice(7) : analysisResult
}

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
