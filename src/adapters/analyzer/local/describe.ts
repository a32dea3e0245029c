import { JobError } from '../../../core/errors'
import { Analysis, type VideoMetadata } from '../../../shared/analysis'
import { formatClock } from '../../../shared/clock-time'

/** `m:ss`, or `h:mm:ss` from an hour on: the analysis text writes times as the console shows them. */
export const clock = formatClock

function resolutionName(width: number, height: number): string {
  const short = Math.min(width, height)
  if (short >= 2160) return '4K'
  if (short >= 1440) return '1440p'
  if (short >= 1080) return '1080p'
  if (short >= 720) return '720p'
  if (short >= 480) return '480p'
  return `${width}×${height}`
}

/** One plain sentence about the file itself, used when nothing better is known. */
export function describeMetadata(m: VideoMetadata, hasVideo: boolean): string {
  const parts: string[] = []
  const length = m.durationSeconds !== null ? `${clock(m.durationSeconds)} ` : ''
  if (hasVideo && m.width && m.height) {
    parts.push(`A ${length}${resolutionName(m.width, m.height)} ${m.videoCodec ?? 'video'} video (${m.width}×${m.height}${m.frameRate ? `, ${m.frameRate} fps` : ''})`)
  } else if (hasVideo) {
    parts.push(`A ${length}${m.videoCodec ?? ''} video`.replace(/\s+/g, ' '))
  } else {
    parts.push(`A ${length}audio-only file`)
  }
  if (m.hasAudio) {
    const ch = m.audioChannels === 1 ? 'mono' : m.audioChannels === 2 ? 'stereo' : m.audioChannels ? `${m.audioChannels}-channel` : ''
    parts.push(`with ${[ch, m.audioCodec].filter(Boolean).join(' ')} audio`)
  } else {
    parts.push('without audio')
  }
  const subs = m.subtitleStreams.length
  if (subs > 0) {
    const langs = [...new Set(m.subtitleStreams.map((s) => s.language).filter(Boolean))]
    parts.push(`and ${subs} subtitle track${subs > 1 ? 's' : ''}${langs.length ? ` (${langs.join(', ')})` : ''}`)
  }
  return `${parts.join(' ')}.`
}

/** Technical tags for a video whose content could not be read. */
export function metadataTopics(m: VideoMetadata, hasVideo: boolean): string[] {
  const topics: string[] = []
  if (hasVideo && m.width && m.height) topics.push(`${resolutionName(m.width, m.height)} video`)
  if (m.videoCodec && hasVideo) topics.push(m.videoCodec)
  if (m.hasAudio && m.audioCodec) topics.push(`${m.audioCodec} audio`)
  if (!hasVideo) topics.push('audio only')
  if (m.subtitleStreams.length > 0) topics.push('subtitles')
  return topics
}

/** Validates against the shared schema; a bug here fails the job clearly instead of saving bad JSON. */
export function validated(candidate: unknown): Analysis {
  const parsed = Analysis.safeParse(candidate)
  if (parsed.success) return parsed.data
  throw new JobError(`The local analyzer produced an analysis that does not match the schema: ${parsed.error.issues[0]?.message ?? 'invalid'}`, {
    failure: 'other',
    retryable: false,
    detail: { issues: parsed.error.issues.slice(0, 5) }
  })
}
