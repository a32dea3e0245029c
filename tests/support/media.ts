/**
 * Tiny test videos made with ffmpeg's lavfi sources (2 s, 160x120, a tone), so no binary
 * fixtures live in the repository. Reusable by any test that needs "a real video".
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

export interface TestVideoOptions {
  seconds?: number
  width?: number
  height?: number
  /** Adds a sine tone as the audio track. Default true. */
  audio?: boolean
}

/** Writes an H.264/AAC MP4 made from lavfi sources and returns its path. */
export async function makeTestVideo(dir: string, name = 'clip.mp4', opts: TestVideoOptions = {}): Promise<string> {
  const { seconds = 2, width = 160, height = 120, audio = true } = opts
  const out = path.join(dir, name)
  const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=10:duration=${seconds}`]
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', '-b:a', '32k')
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-shortest', out)
  await exec(process.env['FFMPEG_PATH'] || 'ffmpeg', args)
  return out
}

/** A temporary directory and its cleanup. */
export async function tempDir(prefix = 'vp-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix))
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) }
}
