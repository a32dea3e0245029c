import { open } from 'node:fs/promises'
import { z } from 'zod'
import { JobError } from '../../../core/errors'
import type { VideoMetadata } from '../../../shared/analysis'
import { run } from './run'

const num = z.union([z.string(), z.number()]).optional().transform((v) => {
  const n = typeof v === 'number' ? v : v === undefined ? NaN : Number(v)
  return Number.isFinite(n) ? n : null
})

const Stream = z.looseObject({
  index: z.number().int(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  channels: z.number().int().optional(),
  sample_rate: num,
  duration: num,
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.string()).optional()
})

const ProbeOutput = z.object({
  streams: z.array(Stream).default([]),
  format: z
    .looseObject({
      format_name: z.string().optional(),
      duration: num,
      size: num,
      bit_rate: num,
      tags: z.record(z.string(), z.string()).optional()
    })
    .optional(),
  chapters: z
    .array(z.looseObject({ start_time: num, end_time: num, tags: z.record(z.string(), z.string()).optional() }))
    .default([])
})
export type ProbeOutput = z.infer<typeof ProbeOutput>

/** Subtitle codecs ffmpeg can turn into text; bitmap ones (PGS, DVD) would need OCR. */
export const TEXT_SUBTITLE_CODECS = new Set(['subrip', 'srt', 'ass', 'ssa', 'mov_text', 'webvtt', 'text', 'microdvd', 'subviewer'])

export interface Probe {
  metadata: VideoMetadata
  /** The first real video stream (cover art excluded), if any. */
  hasVideo: boolean
  videoStream: number | null
  audioStream: number | null
  title: string | null
  chapters: { start: number; end: number | null; title: string | null }[]
  /** Stream indexes of text subtitle tracks, best first (English, then first). */
  textSubtitleStreams: number[]
}

function rate(value: string | undefined): number | null {
  if (!value) return null
  const [a, b] = value.split('/').map(Number)
  if (!a || !b || !Number.isFinite(a / b)) return null
  return Math.round((a / b) * 1000) / 1000
}

/** Whether the file starts like a media container (MP4/MOV, Matroska/WebM, AVI/WAV, MPEG-TS, Ogg, FLV). */
async function looksLikeMedia(file: string): Promise<boolean> {
  const fh = await open(file, 'r').catch(() => null)
  if (!fh) return false
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(12), 0, 12, 0)
    const head = buffer.subarray(0, bytesRead)
    const ascii = head.toString('latin1')
    return (
      ascii.slice(4, 8) === 'ftyp' ||
      head.readUInt32BE(0) === 0x1a45dfa3 ||
      ascii.startsWith('RIFF') ||
      ascii.startsWith('OggS') ||
      ascii.startsWith('FLV') ||
      head[0] === 0x47
    )
  } catch {
    return false
  } finally {
    await fh.close()
  }
}

/** Reads container and stream metadata; a file ffprobe cannot parse fails with the reason it gives. */
export async function probe(ffprobe: string, file: string, signal: AbortSignal, sizeBytes: number | null): Promise<Probe> {
  const res = await run(
    ffprobe,
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '-show_chapters', file],
    { signal, timeoutMs: 60_000 }
  )
  const reason = res.stderrTail.trim().split('\n').pop()?.replace(/^.*?: /, '') ?? ''
  if (res.code !== 0) {
    const media = await looksLikeMedia(file)
    const hint = media
      ? 'the file is truncated or damaged; download or upload it again'
      : /Invalid data found|moov atom not found/i.test(res.stderrTail)
        ? 'it is not a video or audio file ffmpeg can read'
        : 'ffprobe could not read it'
    throw new JobError(`Cannot analyse this file: ${hint} (${reason || `ffprobe exit ${res.code}`})`, {
      failure: 'unreadable-media',
      retryable: false,
      detail: { ffprobe: res.stderrTail.slice(-1000) }
    })
  }
  let parsed: ProbeOutput
  try {
    parsed = ProbeOutput.parse(JSON.parse(res.stdout))
  } catch (error) {
    throw new JobError('Cannot analyse this file: ffprobe returned unreadable output', { failure: 'unreadable-media', retryable: false, cause: error })
  }
  const video = parsed.streams.find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic)
  const audio = parsed.streams.find((s) => s.codec_type === 'audio')
  const subs = parsed.streams.filter((s) => s.codec_type === 'subtitle')
  const duration = parsed.format?.duration ?? video?.duration ?? audio?.duration ?? null
  const textSubs = subs.filter((s) => TEXT_SUBTITLE_CODECS.has(s.codec_name ?? ''))
  textSubs.sort((a, b) => Number(/^en/.test(b.tags?.language ?? '')) - Number(/^en/.test(a.tags?.language ?? '')))
  const metadata: VideoMetadata = {
    durationSeconds: duration,
    sizeBytes: sizeBytes ?? (parsed.format?.size !== null && parsed.format?.size !== undefined ? Math.round(parsed.format.size) : null),
    container: parsed.format?.format_name ?? null,
    width: video?.width ?? null,
    height: video?.height ?? null,
    frameRate: rate(video?.avg_frame_rate) ?? rate(video?.r_frame_rate),
    videoCodec: video?.codec_name ?? null,
    audioCodec: audio?.codec_name ?? null,
    hasAudio: Boolean(audio),
    audioChannels: audio?.channels ?? null,
    sampleRate: audio?.sample_rate !== null && audio?.sample_rate !== undefined ? Math.round(audio.sample_rate) : null,
    bitRate: parsed.format?.bit_rate ?? null,
    subtitleStreams: subs.map((s) => ({ index: s.index, codec: s.codec_name ?? 'unknown', language: s.tags?.language ?? null }))
  }
  return {
    metadata,
    hasVideo: Boolean(video),
    videoStream: video?.index ?? null,
    audioStream: audio?.index ?? null,
    title: parsed.format?.tags?.title ?? null,
    chapters: parsed.chapters.map((c) => ({ start: c.start_time ?? 0, end: c.end_time, title: c.tags?.title ?? null })),
    textSubtitleStreams: textSubs.map((s) => s.index)
  }
}
