import { useEffect, useRef, useState, type FormEvent } from 'react'
import type { VideoSource } from '../../../../shared/video-source'
import { useActions, useSourceCapabilities } from '../../api/queries'
import { useOnline } from '../../api/online'
import { useTransport } from '../../api/transport-context'
import { parseSourceInput } from '../../lib/labels'

type Mode = 'location' | 's3'

const KIND_LABEL: Record<VideoSource['kind'], string> = { file: 'local files', http: 'http(s) URLs', s3: 'S3 objects', youtube: 'YouTube URLs' }

export interface AddVideosProps {
  onClose(): void
  onAdded(id: string): void
  /** Files dropped on the window while the panel was open or opening. */
  dropped: FileList | null
}

/** Add videos by URL, file path or S3 key, or by picking / dropping files (Electron knows their paths). */
export function AddVideos({ onClose, onAdded, dropped }: AddVideosProps) {
  const transport = useTransport()
  const { enqueue } = useActions()
  const [mode, setMode] = useState<Mode>('location')
  const [location, setLocation] = useState('')
  const [bucket, setBucket] = useState('')
  const [key, setKey] = useState('')
  const [title, setTitle] = useState('')
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  const online = useOnline()
  const { data: capabilities } = useSourceCapabilities()
  const capability = (kind: VideoSource['kind']) => capabilities?.find((c) => c.kind === kind)
  const s3 = capability('s3')
  /** The same refusal the server gives, before the round trip: this configuration cannot process it. */
  const refusal = (source: VideoSource): string | null => {
    const c = capability(source.kind)
    if (c && !c.available) return `Cannot process ${source.kind} videos here: ${c.reason}`
    if (source.kind === 's3' && !source.bucket && c && !c.defaultBucket) return 'Give the bucket: AWS_S3_BUCKET is not set'
    return null
  }
  const typed = mode === 'location' && location.trim() ? parseSourceInput(location) : null
  const typedProblem = typed ? ('error' in typed ? null : refusal(typed)) : null

  async function add(source: VideoSource, name?: string): Promise<boolean> {
    try {
      const video = await enqueue.mutateAsync({ source, title: name || undefined })
      onAdded(video.id)
      return true
    } catch (error) {
      setMessage({ tone: 'bad', text: (error as Error).message })
      return false
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    setMessage(null)
    let source: VideoSource | { error: string }
    if (mode === 's3') source = key.trim() ? { kind: 's3', key: key.trim(), ...(bucket.trim() ? { bucket: bucket.trim() } : {}) } : { error: 'Enter the object key' }
    else source = parseSourceInput(location)
    if ('error' in source) return setMessage({ tone: 'bad', text: source.error })
    const refused = refusal(source)
    if (refused) return setMessage({ tone: 'bad', text: refused })
    if (await add(source, title.trim())) {
      setMessage({ tone: 'ok', text: `Queued ${title.trim() || (mode === 's3' ? key : location)}` })
      setLocation('')
      setKey('')
      setTitle('')
    }
  }

  async function addFiles(files: FileList | null) {
    if (!files || files.length === 0) return
    setMessage(null)
    let added = 0
    for (const file of Array.from(files)) {
      const name = file.name.replace(/\.[^.]+$/, '')
      const path = transport.pathForFile?.(file) ?? ''
      try {
        if (path) {
          if (await add({ kind: 'file', path }, name)) added += 1
        } else if (transport.upload) {
          // A browser cannot say where the file is: its bytes go to the server's DATA_DIR/uploads.
          setMessage({ tone: 'ok', text: `Uploading ${file.name}…` })
          const video = await transport.upload(file, name)
          onAdded(video.id)
          added += 1
        } else {
          setMessage({ tone: 'bad', text: `Cannot tell where ${file.name} is: type its full path above.` })
          return
        }
      } catch (error) {
        setMessage({ tone: 'bad', text: `${file.name}: ${(error as Error).message}` })
        return
      }
    }
    if (added > 0) setMessage({ tone: 'ok', text: `Queued ${added} file${added === 1 ? '' : 's'}` })
  }

  const addFilesRef = useRef(addFiles)
  addFilesRef.current = addFiles
  useEffect(() => {
    if (dropped) void addFilesRef.current(dropped)
  }, [dropped])

  return (
    <section className="add-videos panel" aria-label="Add videos" data-testid="add-videos">
      <div className="panel-head">
        <h2>Add videos</h2>
        <button type="button" className="link" onClick={onClose} aria-label="Close">
          ✕
        </button>
      </div>
      <div className="tabs" role="tablist">
        <button type="button" role="tab" aria-selected={mode === 'location'} onClick={() => setMode('location')}>
          URL or file path
        </button>
        <button type="button" role="tab" aria-selected={mode === 's3'} onClick={() => setMode('s3')} disabled={s3 ? !s3.available : false} title={s3?.reason ?? ''} data-testid="add-tab-s3">
          S3 key
        </button>
      </div>
      {capabilities ? (
        <p className="muted small" data-testid="add-capabilities">
          This configuration takes {capabilities.filter((c) => c.available).map((c) => KIND_LABEL[c.kind]).join(', ') || 'nothing'}.
          {capabilities
            .filter((c) => !c.available)
            .map((c) => ` ${KIND_LABEL[c.kind]}: ${c.reason}.`)
            .join('')}
        </p>
      ) : null}
      <form onSubmit={submit} className="add-form">
        {mode === 'location' ? (
          <input
            data-testid="add-location"
            placeholder="https://youtu.be/…, https://…/video.mp4, s3://bucket/key or /path/to/video.mp4"
            value={location}
            onChange={(event) => {
              setLocation(event.target.value)
              setMessage(null)
            }}
            autoFocus
          />
        ) : (
          <div className="row">
            <input data-testid="add-bucket" placeholder="bucket (default AWS_S3_BUCKET)" value={bucket} onChange={(event) => setBucket(event.target.value)} />
            <input data-testid="add-key" placeholder="videos/talk.mp4" value={key} onChange={(event) => setKey(event.target.value)} autoFocus />
          </div>
        )}
        <div className="row">
          <input data-testid="add-title" placeholder="title (optional)" value={title} onChange={(event) => setTitle(event.target.value)} />
          <button type="submit" className="primary" disabled={enqueue.isPending || !online || typedProblem !== null} data-testid="add-submit">
            Add
          </button>
        </div>
      </form>
      <label className="drop-hint">
        <input type="file" accept="video/*,.mkv,.mov" multiple data-testid="add-files" onChange={(event) => void addFiles(event.target.files)} />
        <span>Choose files… or drop them anywhere on the window</span>
      </label>
      {typedProblem && !message ? (
        <p className="message tone-bad" role="status" data-testid="add-problem">
          {typedProblem}
        </p>
      ) : null}
      {message ? (
        <p className={`message tone-${message.tone}`} role="status" data-testid="add-message">
          {message.text}
        </p>
      ) : null}
    </section>
  )
}
