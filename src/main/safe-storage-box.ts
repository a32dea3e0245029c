import type { SecretBox } from '../app/secret-box'

/** The part of Electron's `safeStorage` the box uses (injected, so tests run without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean
  encryptString(plain: string): Buffer
  decryptString(encrypted: Buffer): string
  /** Linux only: `basic_text` means no keyring was found and encryption is a fixed key. */
  getSelectedStorageBackend?(): string
}

/**
 * Secrets sealed by the operating system's keychain (Keychain, DPAPI, libsecret/kwallet). Null
 * when none is usable, so the caller falls back to the mode-600 file box and says so.
 */
export function createSafeStorageBox(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretBox | null {
  if (!safeStorage.isEncryptionAvailable()) return null
  if (platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text') return null
  return {
    kind: 'os-keychain',
    note: "Secrets are encrypted with the system keychain (Electron safeStorage) in DATA_DIR/secrets.json; only this user on this machine can read them.",
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64'))
  }
}
