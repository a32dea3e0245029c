import type { Transcript as TranscriptData, TranscriptSegment } from '../../../../shared/analysis'
import { formatClock } from '../../../../shared/clock-time'

/** "73 %" for a 0–1 confidence. */
export function formatConfidence(confidence: number): string {
  return `${Math.round(confidence * 100)} %`
}

/** A segment's text; in a machine transcript, words the recogniser was unsure of are faded. */
function SegmentText({ segment }: { segment: TranscriptSegment }) {
  const words = segment.words ?? []
  if (words.length === 0) return <span>{segment.text}</span>
  return (
    <span>
      {words.map((w, i) => (
        <span key={`${w.start}-${i}`}>
          {i > 0 ? ' ' : ''}
          {w.low ? (
            <span className="low-confidence" data-testid="low-confidence-word" title={w.confidence === null ? 'confidence unknown' : `confidence ${formatConfidence(w.confidence)}`}>
              {w.text}
            </span>
          ) : (
            w.text
          )}
        </span>
      ))}
    </span>
  )
}

/** The transcript with a timestamp per segment; a timestamp seeks the player when there is one. */
export function Transcript({ transcript, onSeek }: { transcript: TranscriptData; onSeek?: ((s: number) => void) | undefined }) {
  const segments = transcript.segments ?? []
  return (
    <details className="transcript" data-testid="transcript">
      <summary>
        Transcript ({transcript.source}
        {segments.length > 0 ? `, ${segments.length} segments` : ''}
        {typeof transcript.confidence === 'number' ? `, confidence ${formatConfidence(transcript.confidence)}` : ''})
      </summary>
      {transcript.unintelligible ? <p className="muted">The speech could not be understood; nothing in this analysis is built from it.</p> : null}
      {segments.length > 0 ? (
        <ol className="segments">
          {segments.map((segment, i) => (
            <li
              key={`${segment.start}-${i}`}
              data-testid="transcript-segment"
              className={segment.low ? 'low-confidence-segment' : undefined}
              title={segment.low ? 'Not used for topics, summaries or questions: the recogniser was unsure' : undefined}
            >
              <button type="button" className="time mono" disabled={!onSeek} onClick={() => onSeek?.(segment.start)} title={onSeek ? 'Play from here' : 'No local file to play'}>
                {formatClock(segment.start)}
              </button>
              <SegmentText segment={segment} />
            </li>
          ))}
        </ol>
      ) : (
        <p>{transcript.text}</p>
      )}
    </details>
  )
}
