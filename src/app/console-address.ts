import { randomBytes } from 'node:crypto'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { isAlive } from './owner-lock'

export const CONSOLE_FILE = 'console.json'

/** Where the owner of DATA_DIR serves the ConsoleApi; readable only by the user (it holds the token). */
export const ConsoleAddress = z.object({ url: z.url(), pid: z.number().int(), token: z.string().min(8) })
export type ConsoleAddress = z.infer<typeof ConsoleAddress>

export const TOKEN_FILE = 'console-token'

/**
 * The owner console's token for this DATA_DIR, made once and kept (mode 600), so a page left
 * open reconnects after the server restarts instead of being locked out by a new token.
 */
export async function consoleTokenFor(dataDir: string): Promise<string> {
  const file = join(dataDir, TOKEN_FILE)
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim()
  if (kept.length >= 8) return kept
  const token = randomBytes(24).toString('base64url')
  await writeFile(file, token, { mode: 0o600 })
  return token
}

export async function writeConsoleAddress(dataDir: string, address: ConsoleAddress): Promise<void> {
  await writeFile(join(dataDir, CONSOLE_FILE), JSON.stringify(address), { mode: 0o600 })
}

export async function removeConsoleAddress(dataDir: string): Promise<void> {
  const current = await readConsoleAddress(dataDir)
  if (current?.pid === process.pid) await rm(join(dataDir, CONSOLE_FILE), { force: true })
}

/** The owner's address when the file is there and its process alive; null otherwise. */
export async function readConsoleAddress(dataDir: string): Promise<ConsoleAddress | null> {
  const text = await readFile(join(dataDir, CONSOLE_FILE), 'utf8').catch(() => null)
  if (text === null) return null
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return null
  }
  const parsed = ConsoleAddress.safeParse(json)
  return parsed.success && isAlive(parsed.data.pid) ? parsed.data : null
}
