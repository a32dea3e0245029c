import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseTarget } from '../../../src/cli/enqueue'
import { UsageError } from '../../../src/cli/usage-error'

let cwd: string
beforeAll(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'vp-target-'))
  await writeFile(path.join(cwd, 'talk.mp4'), 'x')
})
afterAll(() => rm(cwd, { recursive: true, force: true }))

describe('enqueue target', () => {
  it('tells YouTube, http(s), S3 and local files apart', () => {
    expect(parseTarget('https://youtu.be/dQw4w9WgXcQ', cwd)).toEqual({ kind: 'youtube', url: 'https://youtu.be/dQw4w9WgXcQ' })
    expect(parseTarget('https://www.youtube.com/watch?v=dQw4w9WgXcQ', cwd).kind).toBe('youtube')
    expect(parseTarget('https://example.com/a.mp4', cwd)).toEqual({ kind: 'http', url: 'https://example.com/a.mp4' })
    expect(parseTarget('s3://media/in/a b.mp4', cwd)).toEqual({ kind: 's3', bucket: 'media', key: 'in/a b.mp4' })
    expect(parseTarget('talk.mp4', cwd)).toEqual({ kind: 'file', path: path.join(cwd, 'talk.mp4') })
  })

  it('refuses what cannot be enqueued with one clear line', () => {
    expect(() => parseTarget('missing.mp4', cwd)).toThrow(new UsageError(`no such file: ${path.join(cwd, 'missing.mp4')}`))
    expect(() => parseTarget('.', cwd)).toThrow(/^not a file: /)
    expect(() => parseTarget('s3://bucket-only', cwd)).toThrow(/expected s3:\/\/bucket\/key/)
    expect(() => parseTarget('ftp://host/a.mp4', cwd)).toThrow(/only local files, http\(s\) URLs/)
  })
})
