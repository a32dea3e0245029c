import { useEffect } from 'react'
import { formatClock } from '../../../../shared/clock-time'

export interface LightboxFrame {
  src: string
  time: number
  text?: string | undefined
}

/** A keyframe at full size with the text OCR read in it; arrows move, Esc closes. */
export function Lightbox({ frames, index, onIndex, onClose, onSeek }: { frames: LightboxFrame[]; index: number; onIndex(i: number): void; onClose(): void; onSeek?: ((s: number) => void) | undefined }) {
  const frame = frames[index]
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation()
        onClose()
      } else if (event.key === 'ArrowRight') onIndex(Math.min(frames.length - 1, index + 1))
      else if (event.key === 'ArrowLeft') onIndex(Math.max(0, index - 1))
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [frames.length, index, onClose, onIndex])
  if (!frame) return null
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <figure className="lightbox panel" role="dialog" aria-modal="true" aria-label={`Keyframe at ${formatClock(frame.time)}`} data-testid="lightbox" onClick={(event) => event.stopPropagation()}>
        <img src={frame.src} alt={frame.text ?? `Frame at ${formatClock(frame.time)}`} data-testid="lightbox-image" />
        <figcaption>
          <span className="mono">
            {formatClock(frame.time)} · {index + 1} of {frames.length}
          </span>
          <p className="ocr" data-testid="lightbox-text">
            {frame.text ? frame.text : <span className="muted">No text was read in this frame.</span>}
          </p>
          <span className="lightbox-actions">
            <button type="button" disabled={index === 0} onClick={() => onIndex(index - 1)} aria-label="Previous frame">
              ←
            </button>
            <button type="button" disabled={index === frames.length - 1} onClick={() => onIndex(index + 1)} aria-label="Next frame">
              →
            </button>
            {onSeek ? (
              <button
                type="button"
                className="primary"
                onClick={() => {
                  onSeek(frame.time)
                  onClose()
                }}
              >
                Play from here
              </button>
            ) : null}
            <button type="button" onClick={onClose} data-testid="lightbox-close">
              Close
            </button>
          </span>
        </figcaption>
      </figure>
    </div>
  )
}
