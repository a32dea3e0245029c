import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SecretBox } from '../app/secret-box'
import type { SafeStorageLike } from './safe-storage-box'

/** DATA_DIR/secrets.key: the key that seals secrets.json, itself sealed by the system keychain. */
export const KEY_FILE = 'secrets.key'

/**
 * Main process only (safeStorage lives there): the secrets key of DATA_DIR, made on first use,
 * as base64 for the core's process. Null when there is no usable keychain (then the core keeps
 * secrets in the mode-600 file box, and says so).
 */
export function keychainKey(dataDir: string, safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): string | null {
  if (!safeStorage.isEncryptionAvailable()) return null
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return null
  const file = join(dataDir, KEY_FILE)
  if (existsSync(file)) return safeStorage.decryptString(readFileSync(file))
  const key = randomBytes(32).toString('base64')
  mkdirSync(dataDir, { recursive: true })
  writeFileSync(file, safeStorage.encryptString(key), { mode: 0o600 })
  return key
}

/**
 * The core's process: secrets sealed with AES-256-GCM under the keychain's key. Synchronous (the
 * settings store needs that), which the keychain itself cannot be outside the main process.
 */
export function keyBox(base64Key: string): SecretBox {
  const key = Buffer.from(base64Key, 'base64')
  if (key.length !== 32) throw new Error('the secrets key must be 32 bytes')
  return {
    kind: 'os-keychain',
    note: 'Secrets are encrypted in DATA_DIR/secrets.json with a key kept by the system keychain (Electron safeStorage); only this user on this machine can read them.',
    seal(plain) {
      const iv = randomBytes(12)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')
    },
    open(sealed) {
      const raw = Buffer.from(sealed, 'base64')
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12))
      decipher.setAuthTag(raw.subarray(12, 28))
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')
    }
  }
}
