import { JobError } from '../../../core/errors'
import { run } from './run'

export interface Span {
  start: number
  end: number
}

export interface Signals {
  /** Every frame whose scene score reached the candidate threshold. */
  scenes: { time: number; score: number }[]
  black: Span[]
  frozen: Span[]
  silences: Span[]
  loudness: { integratedLufs: number; rangeLu: number; truePeakDbfs: number | null } | null
  /** How far decoding got (seconds), to spot truncated files. */
  decodedSeconds: number
  decodeErrors: number
}

export interface SignalPassOptions {
  ffmpeg: string
  file: string
  videoStream: number | null
  audioStream: number | null
  /** The video's frame rate; detectors look at about 10 frames a second of it. */
  frameRate?: number | null
  /** Write a 16 kHz mono WAV for speech recognition here (same decode). */
  wavPath: string | null
  /** Decode at most this many seconds. */
  limitSeconds: number
  timeoutMs: number
  signal: AbortSignal
  onProgress?: (seconds: number) => void
}

/** Scene score above which a frame is a cut candidate; slide changes score only ~0.02–0.05. */
export const SCENE_CANDIDATE = 0.02

const num = (s: string | undefined) => (s === undefined ? NaN : Number(s))

/** Builds the ffmpeg arguments for the single decode; exported for tests of the old-binary path. */
export function signalArgs(o: SignalPassOptions): string[] {
  const graph: string[] = []
  const maps: string[] = []
  if (o.videoStream !== null) {
    // Detectors run at full resolution: scaling first costs more than the scene metric saves.
    // Every k-th frame is enough for cuts to 0.1 s and saves a fifth of the CPU at 25–30 fps.
    const k = o.frameRate && o.frameRate >= 15 ? Math.floor(o.frameRate / 10) : 1
    const decimate = k > 1 ? `select='not(mod(n\\,${k}))',` : ''
    graph.push(
      `[0:${o.videoStream}]${decimate}blackdetect=d=0.5:pix_th=0.10,freezedetect=n=0.003:d=1,` +
        // select passes every frame (scene ≥ 0) so the output's time is how far decoding got;
        // metadata prints only the candidates.
        `select='gte(scene\\,0)',metadata=mode=print:key=lavfi.scene_score:function=greater:value=${SCENE_CANDIDATE - 0.0001}[vsig]`
    )
    maps.push('-map', '[vsig]')
  }
  if (o.audioStream !== null) {
    const split = o.wavPath ? 'asplit=2[asig0][wav];[asig0]' : ''
    graph.push(`[0:${o.audioStream}]${split}silencedetect=n=-50dB:d=1,ebur128=peak=true:framelog=verbose[asig]`)
    maps.push('-map', '[asig]')
  }
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-progress', 'pipe:1', '-t', String(o.limitSeconds), '-i', o.file]
  args.push('-filter_complex', graph.join(';'), ...maps, '-f', 'null', '-')
  if (o.wavPath && o.audioStream !== null) {
    args.push('-map', '[wav]', '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', '-f', 'wav', '-y', o.wavPath)
  }
  return args
}

/** Parses ffmpeg's detector log lines into signals; stateful across lines. */
export function createSignalParser() {
  const s: Signals = { scenes: [], black: [], frozen: [], silences: [], loudness: null, decodedSeconds: 0, decodeErrors: 0 }
  let frameTime: number | null = null
  let openFreeze: number | null = null
  let openSilence: number | null = null
  let summary: { i?: number; lra?: number; peak?: number } = {}
  let lastSummary: typeof summary = {}
  let m: RegExpExecArray | null
  return {
    signals: s,
    line(line: string) {
      if ((m = /pts_time:\s*([\d.]+)/.exec(line)) && line.includes('frame:')) frameTime = num(m[1])
      else if ((m = /lavfi\.scene_score=([\d.]+)/.exec(line)) && frameTime !== null) {
        s.scenes.push({ time: frameTime, score: num(m[1]) })
        frameTime = null
      } else if ((m = /black_start:\s*([\d.]+)\s+black_end:\s*([\d.]+)/.exec(line))) s.black.push({ start: num(m[1]), end: num(m[2]) })
      else if ((m = /freeze_start:\s*([\d.]+)/.exec(line))) openFreeze = num(m[1])
      else if ((m = /freeze_end:\s*([\d.]+)/.exec(line)) && openFreeze !== null) {
        s.frozen.push({ start: openFreeze, end: num(m[1]) })
        openFreeze = null
      } else if ((m = /silence_start:\s*(-?[\d.]+)/.exec(line))) openSilence = Math.max(0, num(m[1]))
      else if ((m = /silence_end:\s*([\d.]+)/.exec(line)) && openSilence !== null) {
        s.silences.push({ start: openSilence, end: num(m[1]) })
        openSilence = null
      } else if (/Summary:/.test(line)) summary = {}
      else if ((m = /^\s*I:\s*(-?[\d.]+|-inf) LUFS/.exec(line))) summary.i = num(m[1])
      else if ((m = /^\s*LRA:\s*(-?[\d.]+) LU$/.exec(line.trimEnd()))) summary.lra = num(m[1])
      else if ((m = /^\s*Peak:\s*(-?[\d.]+|-inf) dBFS/.exec(line))) {
        summary.peak = num(m[1])
        lastSummary = summary
      } else if (/error while decoding|Invalid NAL|corrupt|missing picture/i.test(line)) s.decodeErrors++
      if (summary.lra !== undefined && summary.i !== undefined) lastSummary = summary
    },
    progress(stdout: string) {
      const times = [...stdout.matchAll(/out_time_(?:us|ms)=(\d+)/g)]
      const last = times.at(-1)?.[1]
      if (last) s.decodedSeconds = Math.max(s.decodedSeconds, Number(last) / 1e6)
    },
    finish(duration: number): Signals {
      if (openFreeze !== null) s.frozen.push({ start: openFreeze, end: duration })
      if (openSilence !== null) s.silences.push({ start: openSilence, end: duration })
      // ebur128 logs an empty summary while the graph is configured; only the last one is real.
      const { i, lra, peak } = lastSummary
      if (i !== undefined && Number.isFinite(i) && i > -70) {
        s.loudness = { integratedLufs: i, rangeLu: lra ?? 0, truePeakDbfs: peak !== undefined && Number.isFinite(peak) ? peak : null }
      }
      return s
    }
  }
}

/** One decode of the file: scene candidates, black/frozen/silent spans, loudness, and the speech WAV. */
export async function signalPass(o: SignalPassOptions): Promise<Signals> {
  const parser = createSignalParser()
  let stdoutSeen = 0
  const res = await run(o.ffmpeg, signalArgs(o), {
    signal: o.signal,
    timeoutMs: o.timeoutMs,
    onStderrLine: parser.line,
    onStdoutChunk: (chunk) => {
      parser.progress(chunk)
      if (parser.signals.decodedSeconds > stdoutSeen) {
        stdoutSeen = parser.signals.decodedSeconds
        o.onProgress?.(stdoutSeen)
      }
    }
  })
  if (res.code !== 0) {
    throw new JobError(`Decoding the video failed: ${res.stderrTail.trim().split('\n').slice(-2).join(' ')}`, {
      failure: 'unreadable-media',
      retryable: false,
      detail: { ffmpeg: res.stderrTail.slice(-1500) }
    })
  }
  return parser.finish(Math.max(parser.signals.decodedSeconds, 0))
}
