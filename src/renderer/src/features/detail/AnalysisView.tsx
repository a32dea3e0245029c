import { useState } from 'react'
import { formatCost, type Analysis } from '../../../../shared/analysis'
import { useTransport } from '../../api/transport-context'
import { formatClock } from '../../../../shared/clock-time'
import { Quiz } from './Quiz'
import { Lightbox } from './Lightbox'
import { formatConfidence, Transcript } from './Transcript'

function Provenance({ analysis }: { analysis: Analysis }) {
  const { provenance, usage, metadata } = analysis
  return (
    <div className="badges" data-testid="provenance">
      <span className={`badge engine-${provenance.engine}`}>{provenance.engine}</span>
      <span className="badge">{provenance.model}</span>
      <span className={`badge${provenance.transcriptSource === 'none' ? ' warn' : ''}`}>transcript: {provenance.transcriptSource}</span>
      {typeof analysis.transcript?.confidence === 'number' ? (
        <span
          className={`badge${analysis.transcript.unintelligible ? ' warn' : ''}`}
          data-testid="transcript-confidence"
          title="Share of the speech the recogniser was sure of; faded words in the transcript are the ones it was not"
        >
          confidence {formatConfidence(analysis.transcript.confidence)}
        </span>
      ) : null}
      {metadata?.durationSeconds ? <span className="badge">{formatClock(metadata.durationSeconds)}</span> : null}
      {metadata?.width && metadata.height ? <span className="badge">{`${metadata.width}×${metadata.height}`}</span> : null}
      {usage ? <span className="badge">{usage.totalTokens} tokens{usage.costUsd ? ` · ${formatCost(usage.costUsd, usage.pricedBy)}` : ''}</span> : null}
      {provenance.warnings.map((warning) => (
        <span key={warning} className="badge warn" title={warning}>
          ⚠ {warning}
        </span>
      ))}
    </div>
  )
}

function RawJson({ value }: { value: unknown }) {
  const [copied, setCopied] = useState(false)
  const text = JSON.stringify(value, null, 2)
  return (
    <details className="raw">
      <summary>
        Raw JSON <span className="muted">({(text.length / 1024).toFixed(1)} KiB)</span>
      </summary>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false)
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      <pre className="mono" data-testid="raw-json">
        {text}
      </pre>
    </details>
  )
}

/**
 * The analysis as a document: summary, topics, chapters, keyframes (full size with their text),
 * quiz, timed transcript, raw JSON. Times seek the detail's player (`onSeek`) when there is one.
 */
export function AnalysisView({ analysis, videoId, onSeek }: { analysis: Analysis; videoId: string; onSeek?: ((seconds: number) => void) | undefined }) {
  const { mediaUrl } = useTransport()
  const [zoomed, setZoomed] = useState<number | null>(null)
  const playable = onSeek !== undefined
  const seek = (seconds: number) => onSeek?.(seconds)
  const frames = (analysis.keyframes ?? []).map((frame, i) => ({ src: mediaUrl(videoId, { keyframe: i }), time: frame.time, text: frame.text }))
  return (
    <div className="analysis" data-testid="analysis">
      <Provenance analysis={analysis} />
      <h3>Summary</h3>
      <p className="summary" data-testid="summary">
        {analysis.summary}
      </p>
      {analysis.topics.length > 0 ? (
        <>
          <h3>Topics</h3>
          <ul className="tags" data-testid="topics">
            {analysis.topics.map((topic) => (
              <li key={topic} className="tag">
                {topic}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {analysis.chapters && analysis.chapters.length > 0 ? (
        <>
          <h3>Chapters</h3>
          <ol className="chapters" data-testid="chapters">
            {analysis.chapters.map((chapter) => (
              <li key={`${chapter.start}-${chapter.title}`}>
                <button type="button" className="time mono" disabled={!playable} onClick={() => seek(chapter.start)} title={playable ? 'Play from here' : 'No local file to play'}>
                  {formatClock(chapter.start)}
                </button>
                <span>
                  <strong>{chapter.title}</strong>
                  {chapter.summary ? <span className="muted"> — {chapter.summary}</span> : null}
                </span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
      {analysis.keyframes && analysis.keyframes.length > 0 ? (
        <>
          <h3>Keyframes</h3>
          <div className="keyframes" data-testid="keyframes">
            {analysis.keyframes.map((frame, i) => (
              <figure key={`${frame.time}-${i}`}>
                <button type="button" onClick={() => setZoomed(i)} aria-label={`Keyframe at ${formatClock(frame.time)}: open full size`} data-testid="keyframe">
                  <img src={mediaUrl(videoId, { keyframe: i })} alt={frame.text ?? `Frame at ${formatClock(frame.time)}`} loading="lazy" />
                </button>
                <figcaption className="mono">
                  {formatClock(frame.time)}
                  {frame.text ? <span className="frame-text"> · {frame.text}</span> : null}
                </figcaption>
              </figure>
            ))}
          </div>
        </>
      ) : null}
      <h3>Quiz</h3>
      <Quiz questions={analysis.quiz} />
      {analysis.transcript && analysis.transcript.text ? <Transcript transcript={analysis.transcript} onSeek={onSeek} /> : null}
      {zoomed !== null ? <Lightbox frames={frames} index={zoomed} onIndex={setZoomed} onClose={() => setZoomed(null)} onSeek={onSeek} /> : null}
      {analysis.usage ? <p className="muted small">Model usage: {analysis.usage.promptTokens} prompt + {analysis.usage.outputTokens} output tokens</p> : null}
      <RawJson value={analysis} />
    </div>
  )
}
