import type { WorkerEvent } from '../shared/events'
import type { Video, VideoDetail } from '../shared/video'
import { describeSource } from '../shared/video-source'

/** The worker's plain output: one line an event (`Message Received: <id>`, `Video <id>: completed`, …); null for events it does not print. */
export function eventLine(e: WorkerEvent): string | null {
  switch (e.type) {
    case 'worker.state':
      return `Worker ${e.state}`
    case 'message.received':
      return `Message Received: ${e.messageId}${e.videoId ? ` (video ${e.videoId}, delivery ${e.receiveCount})` : ''}`
    case 'video.status':
      return `Video ${e.videoId}: ${e.status}`
    case 'video.completed':
      return `Video ${e.videoId}: done in ${(e.ms / 1000).toFixed(1)} s`
    case 'video.failed':
      return `Video ${e.videoId}: failed (${e.cause}${e.final ? '' : ', will retry'}): ${e.error}`
    default:
      return null
  }
}

const pad = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.padEnd(n))

export function videoTable(items: Video[], total: number): string[] {
  if (items.length === 0) return ['No videos yet. Add one with: video-processor enqueue <file|url>']
  const lines = [`${pad('ID', 36)}  ${pad('STATUS', 11)}  ${pad('TRIES', 5)}  ${pad('UPDATED', 19)}  TITLE / SOURCE`]
  for (const v of items) {
    const what = v.title ?? (v.source ? describeSource(v.source) : '')
    lines.push(`${v.id}  ${pad(v.processingStatus, 11)}  ${pad(String(v.attempts), 5)}  ${v.updatedAt.replace('T', ' ').slice(0, 19)}  ${what}`)
  }
  if (total > items.length) lines.push(`(${items.length} of ${total} shown)`)
  return lines
}

export function videoDetail(d: VideoDetail): string[] {
  const v = d.video
  const lines = [
    `Video      ${v.id}`,
    `Title      ${v.title ?? '-'}`,
    `Source     ${v.source ? describeSource(v.source) : '-'}`,
    `Status     ${v.processingStatus}${v.isProcessed ? ' (processed)' : ''}`,
    `Attempts   ${v.attempts}`,
    `Created    ${v.createdAt}`,
    `Updated    ${v.updatedAt}`
  ]
  const stages = Object.entries(v.stageMs)
  if (stages.length) lines.push(`Stages     ${stages.map(([s, ms]) => `${s} ${Math.round(ms ?? 0)} ms`).join(', ')}`)
  if (v.processingStatus === 'failed') lines.push(`Error      ${v.analysisResult ?? '-'}${v.errorCause ? ` [${v.errorCause}]` : ''}`)
  if (d.analysis) {
    const a = d.analysis
    lines.push('', 'Analysis', `  Summary  ${a.summary}`, `  Topics   ${a.topics.join(', ') || '-'}`, `  Quiz     ${a.quiz.length} question(s)`)
    lines.push(`  Engine   ${a.provenance.engine} (${a.provenance.model})${a.provenance.warnings.length ? `; ${a.provenance.warnings.join('; ')}` : ''}`)
  }
  if (d.journal.length) {
    lines.push('', 'Events')
    for (const j of d.journal) lines.push(`  ${j.at.replace('T', ' ').slice(0, 23)}  #${j.attempt}  ${pad(j.type, 16)}  ${j.message}`)
  }
  return lines
}
