import { useState } from 'react'
import type { MediaFacts } from '../../../../shared/debugging'
import { formatClock } from '../../../../shared/clock-time'
import { Lightbox } from './Lightbox'

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

/** The media file as it is now: there or not, its probe facts or what ffprobe said, a few stills. */
export function MediaPanel({ facts, loading, onSeek }: { facts: MediaFacts | undefined; loading: boolean; onSeek?: ((s: number) => void) | undefined }) {
  const [zoomed, setZoomed] = useState<number | null>(null)
  if (loading) return <p className="muted small">Looking at the file…</p>
  if (!facts) return null
  const m = facts.metadata
  const rows: [string, string][] = []
  if (facts.path) rows.push(['file', facts.path])
  if (facts.sizeBytes !== null) rows.push(['size', bytes(facts.sizeBytes)])
  if (m) {
    rows.push(['container', m.container ?? '—'])
    rows.push(['duration', m.durationSeconds !== null ? formatClock(m.durationSeconds) : 'unknown'])
    rows.push(['video', m.videoCodec ? `${m.videoCodec}${m.width && m.height ? ` ${m.width}×${m.height}` : ''}${m.frameRate ? ` @ ${m.frameRate} fps` : ''}` : 'no video stream'])
    rows.push(['audio', m.hasAudio ? `${m.audioCodec ?? '?'}${m.audioChannels ? `, ${m.audioChannels} ch` : ''}${m.sampleRate ? `, ${m.sampleRate} Hz` : ''}` : 'no audio stream'])
    if (m.subtitleStreams.length > 0) rows.push(['subtitles', m.subtitleStreams.map((s) => `${s.codec}${s.language ? ` (${s.language})` : ''}`).join(', ')])
  }
  const frames = facts.stills.map((s) => ({ src: s.dataUrl, time: s.time }))
  return (
    <div className="media-facts" data-testid="media-facts" data-present={facts.present}>
      {rows.length > 0 ? (
        <dl className="facts-list">
          {rows.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd className="mono">{v}</dd>
            </div>
          ))}
        </dl>
      ) : null}
      {facts.note ? <p className="muted small" data-testid="media-note">{facts.note}</p> : null}
      {facts.probeError ? (
        <div className="evidence-block">
          <span className="evidence-label">ffprobe said</span>
          <pre className="mono evidence-text" data-testid="probe-error">
            {facts.probeError}
          </pre>
        </div>
      ) : null}
      {frames.length > 0 ? (
        <div className="keyframes" data-testid="stills">
          {frames.map((frame, i) => (
            <figure key={frame.time}>
              <button type="button" onClick={() => setZoomed(i)} aria-label={`Still at ${formatClock(frame.time)}: open full size`}>
                <img src={frame.src} alt={`Still at ${formatClock(frame.time)}`} />
              </button>
              <figcaption className="mono">{formatClock(frame.time)}</figcaption>
            </figure>
          ))}
        </div>
      ) : null}
      {zoomed !== null ? <Lightbox frames={frames} index={zoomed} onIndex={setZoomed} onClose={() => setZoomed(null)} onSeek={onSeek} /> : null}
    </div>
  )
}
