import { spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readConsoleAddress, writeConsoleAddress } from '../../src/app/console-address'
import { acquireOwnerLock, currentOwner, OwnerLockError } from '../../src/app/owner-lock'
import { tempDir } from '../support/media'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-owner-'))
})
afterAll(() => cleanup())

/** A pid that surely belongs to no process: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

describe('DATA_DIR owner lock', () => {
  it('is taken, refused to a second taker in this process, and released', async () => {
    const dataDir = path.join(dir, 'a')
    const lock = await acquireOwnerLock(dataDir)
    expect((await readFile(lock.path, 'utf8')).split('\n')[0]).toBe(String(process.pid))
    expect(await currentOwner(dataDir)).toBe(process.pid)
    await expect(acquireOwnerLock(dataDir)).rejects.toThrow(/already open in this process/)
    await lock.release()
    expect(await currentOwner(dataDir)).toBeNull()
    await (await acquireOwnerLock(dataDir)).release()
  })

  it('takes over a lock left by a dead process', async () => {
    const dataDir = path.join(dir, 'b')
    const first = await acquireOwnerLock(dataDir)
    await first.release()
    await writeFile(first.path, `${await deadPid()}\n`)
    const lock = await acquireOwnerLock(dataDir)
    expect((await readFile(lock.path, 'utf8')).split('\n')[0]).toBe(String(process.pid))
    await lock.release()
  })

  it('refuses a lock held by a live process in one line naming its pid', async () => {
    const dataDir = path.join(dir, 'c')
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    try {
      const lock = await acquireOwnerLock(dataDir)
      await lock.release()
      await writeFile(lock.path, `${holder.pid}\n`)
      const error = await acquireOwnerLock(dataDir).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(OwnerLockError)
      expect((error as Error).message).toBe(
        `${dataDir} is in use by process ${holder.pid} (a running worker or console): stop it, or set DATA_DIR to another folder` +
          ` (if ${holder.pid} is not video-processor, delete ${lock.path})`
      )
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('ignores a console address left by a dead owner', async () => {
    const dataDir = path.join(dir, 'a')
    await writeConsoleAddress(dataDir, { url: 'http://127.0.0.1:9', pid: await deadPid(), token: 'x'.repeat(16) })
    expect(await readConsoleAddress(dataDir)).toBeNull()
    await writeConsoleAddress(dataDir, { url: 'http://127.0.0.1:9', pid: process.pid, token: 'x'.repeat(16) })
    expect((await readConsoleAddress(dataDir))?.pid).toBe(process.pid)
  })
})
