import type { Transcript as TranscriptData } from '../../../../shared/analysis'
import { formatClock } from '../../../../shared/clock-time'

/** The transcript with a timestamp per segment; a timestamp seeks the player when there is one. */
export function Transcript({ transcript, onSeek }: { transcript: TranscriptData; onSeek?: ((s: number) => void) | undefined }) {
  const segments = transcript.segments ?? []
  return (
    <details className="transcript" data-testid="transcript">
      <summary>
        Transcript ({transcript.source}
        {segments.length > 0 ? `, ${segments.length} segments` : ''})
      </summary>
      {segments.length > 0 ? (
        <ol className="segments">
          {segments.map((segment, i) => (
            <li key={`${segment.start}-${i}`} data-testid="transcript-segment">
              <button type="button" className="time mono" disabled={!onSeek} onClick={() => onSeek?.(segment.start)} title={onSeek ? 'Play from here' : 'No local file to play'}>
                {formatClock(segment.start)}
              </button>
              <span>{segment.text}</span>
            </li>
          ))}
        </ol>
      ) : (
        <p>{transcript.text}</p>
      )}
    </details>
  )
}
