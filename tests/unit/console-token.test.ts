import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { consoleTokenFor, TOKEN_FILE } from '../../src/app/console-address'

describe('consoleTokenFor', () => {
  const dirs: string[] = []
  afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))))

  it('keeps one token per data directory across restarts, readable only by the user', async () => {
    const a = await mkdtemp(join(tmpdir(), 'vp-token-'))
    const b = await mkdtemp(join(tmpdir(), 'vp-token-'))
    dirs.push(a, b)
    const first = await consoleTokenFor(a)
    expect(first.length).toBeGreaterThanOrEqual(24)
    expect(await consoleTokenFor(a)).toBe(first)
    expect(await consoleTokenFor(b)).not.toBe(first)
    expect((await stat(join(a, TOKEN_FILE))).mode & 0o077).toBe(0)
  })
})
