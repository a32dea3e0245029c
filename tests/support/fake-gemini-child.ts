/**
 * The fake Gemini server in a child process, for measurements where the server's own memory must
 * not count (upload RSS in tests and bench/gemini-upload.ts).
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startFakeGemini } from './fake-gemini'

export interface FakeGeminiStats {
  bytesReceived: number
  stored: string[]
  deleted: { name: string; sha256Hash: string; sizeBytes: string }[]
}

export interface FakeGeminiChild {
  url: string
  apiKey: string
  stats(): Promise<FakeGeminiStats>
  close(): Promise<void>
}

const SELF = fileURLToPath(import.meta.url)

export async function startFakeGeminiChild(): Promise<FakeGeminiChild> {
  const proc = fork(SELF, ['--fake-gemini-child'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`fake Gemini child exited (${code})`))
      proc.once('exit', onExit)
      proc.once('message', (m) => {
        proc.off('exit', onExit)
        resolve(m as T)
      })
    })
  const { url, apiKey } = await next<{ url: string; apiKey: string }>()
  return {
    url,
    apiKey,
    stats: () => {
      const reply = next<FakeGeminiStats>()
      proc.send('stats')
      return reply
    },
    close: async () => {
      if (proc.exitCode !== null) return
      const exited = new Promise((resolve) => proc.once('exit', resolve))
      proc.kill()
      await exited
    }
  }
}

if (process.argv.includes('--fake-gemini-child')) {
  const fake = await startFakeGemini()
  process.on('message', () => {
    process.send?.({
      bytesReceived: fake.bytesReceived,
      stored: fake.storedFiles(),
      deleted: fake.deleted.map((f) => ({ name: f.name, sha256Hash: f.sha256Hash, sizeBytes: f.sizeBytes }))
    } satisfies FakeGeminiStats)
  })
  process.on('disconnect', () => void fake.close().then(() => process.exit(0)))
  process.send?.({ url: fake.url, apiKey: fake.apiKey })
}
