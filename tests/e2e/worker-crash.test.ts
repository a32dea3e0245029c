/**
 * Crash recovery on one machine: a worker is killed with SIGKILL in the middle of a job while
 * its ffmpeg runs. The next worker on the same DATA_DIR hands the dead worker's message back at
 * once (not after the 120 s visibility timeout), ends the ffmpeg it left running, and the
 * video completes on the next delivery.
 */
import { execFile, type ChildProcess } from 'node:child_process'
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { isAlive } from '../../src/core/pid'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'
import { CLI_BIN, envWithoutSettings, startWorkerProcess } from '../support/worker-process'

const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
let video: string
let slowFfmpeg: string
const orphans: number[] = []

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-crash-'))
  video = await makeTestVideo(dir, 'crash-clip.mp4')
  const realFfmpeg = (await promisify(execFile)('sh', ['-c', 'command -v ffmpeg'])).stdout.trim()
  // The real ffmpeg, except that its first run on the test clip takes minutes: the job is
  // reliably inside ffmpeg when the worker is killed. Named ffmpeg, as the program it stands for.
  slowFfmpeg = path.join(dir, 'bin', 'ffmpeg')
  await promisify(execFile)('mkdir', ['-p', path.dirname(slowFfmpeg)])
  await writeFile(
    slowFfmpeg,
    `#!/bin/sh\ncase "$*" in *crash-clip.mp4*) if [ ! -e "${dir}/slow-once" ]; then : > "${dir}/slow-once"; sleep 300; fi;; esac\nexec "${realFfmpeg}" "$@"\n`
  )
  await chmod(slowFfmpeg, 0o755)
})
afterEach(() => {
  for (const c of children) c.kill('SIGKILL')
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})
afterAll(() => cleanup())

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return promisify(execFile)(process.execPath, [CLI_BIN, ...args], { env, cwd: dir, timeout: 60_000 }).then((r) => r.stdout)
}

describe('crash recovery', () => {
  it('after SIGKILL mid-job, the next worker releases the lease at once and ends the ffmpeg left behind', async () => {
    const downloads = path.join(dir, 'downloads')
    const env: NodeJS.ProcessEnv = {
      ...envWithoutSettings(),
      DATA_DIR: path.join(dir, 'data'),
      DOWNLOAD_DIR: downloads,
      FFMPEG_PATH: slowFfmpeg,
      POLL_WAIT_SECONDS: '1',
      VISIBILITY_TIMEOUT_SECONDS: '120'
    }
    const first = startWorkerProcess(env, dir, children)
    await first.waitFor(/Waiting for messages/)
    const id = (await cli(['enqueue', video], env)).trim()
    await first.waitFor(new RegExp(`delivery 1\\)`))
    // The job's ffmpeg is running once its pid is in the job directory.
    let ffmpegPid = 0
    await waitUntil('ffmpeg recorded in the job directory', async () => {
      for (const d of await readdir(downloads).catch(() => [] as string[])) {
        const lines = await readFile(path.join(downloads, d, '.video-processor-children'), 'utf8').catch(() => '')
        for (const line of lines.split('\n').filter(Boolean)) {
          const child = JSON.parse(line) as { pid: number; command: string }
          if (child.command === 'ffmpeg' && isAlive(child.pid)) ffmpegPid = child.pid
        }
      }
      return ffmpegPid > 0
    })
    orphans.push(ffmpegPid)
    first.proc.kill('SIGKILL')
    await first.exited
    // SIGKILL leaves the child running on its own.
    expect(isAlive(ffmpegPid)).toBe(true)

    const t = Date.now()
    const second = startWorkerProcess(env, dir, children)
    await second.waitFor(new RegExp(`ended ffmpeg \\(pid ${ffmpegPid}\\)`), 60_000)
    // Within a minute, so well before the 120 s lease of the dead worker would have run out.
    await second.waitFor(new RegExp(`video ${id}, delivery 2\\)`), 60_000)
    const redeliveredAfter = (Date.now() - t) / 1000
    await waitUntil('ffmpeg ended', () => !isAlive(ffmpegPid), 10_000)
    await second.waitFor(new RegExp(`Video ${id}: done`), 120_000)
    const doneAfter = (Date.now() - t) / 1000
    console.log(`redelivered ${redeliveredAfter.toFixed(1)} s and done ${doneAfter.toFixed(1)} s after the restart (visibility timeout 120 s)`)
    expect(second.output()).toMatch(/held by process \d+, which is gone: handed back to the queue/)
    // The dead worker's claim on the row is released at start too, so the redelivery runs at once
    // instead of being deferred until the claim's 120 s lease runs out.
    expect(second.output()).toMatch(/released the claim on 1 video held by process \d+, which is gone/)
    expect(second.output()).not.toMatch(/another delivery holds video/)
    expect(doneAfter).toBeLessThan(100)
    second.proc.kill('SIGINT')
    expect(await second.exited).toBe(0)
    expect(await readdir(downloads)).toEqual([])
  })
})
