import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSettingsStore } from '../../src/app/settings-store'
import { loadConfig } from '../../src/app/load-config'
import { KEY_FILE, keyBox, keychainKey } from '../../src/main/keychain-key'
import type { SafeStorageLike } from '../../src/main/safe-storage-box'
import { tempDir } from '../support/media'

/** safeStorage as the keychain behaves: what one keychain seals, another cannot open. */
function keychain(owner: string): SafeStorageLike & { sealed: number } {
  const k = {
    sealed: 0,
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString: (plain: string) => {
      k.sealed += 1
      return Buffer.from(`${owner}:${Buffer.from(plain).toString('base64')}`)
    },
    decryptString: (sealed: Buffer) => {
      const [who, body] = sealed.toString().split(':')
      if (who !== owner) throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return Buffer.from(body ?? '', 'base64').toString()
    }
  }
  return k
}

let temp: { dir: string; cleanup: () => Promise<void> }
beforeAll(async () => {
  temp = await tempDir('vp-keychain-key-')
})
afterAll(() => temp?.cleanup())

describe('secrets sealed in the core process with a key the keychain keeps', () => {
  it('makes the key once, keeps it sealed by the keychain, and opens what it sealed after a restart', async () => {
    const dataDir = path.join(temp.dir, 'data')
    const mine = keychain('me')
    const key = keychainKey(dataDir, mine, 'linux')!
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/)
    expect(await readFile(path.join(dataDir, KEY_FILE), 'utf8')).not.toContain(key)
    expect(keychainKey(dataDir, mine, 'linux')).toBe(key)
    expect(mine.sealed).toBe(1)

    createSettingsStore(dataDir, keyBox(key)).update('local', { SUPABASE_SERVICE_ROLE_KEY: 'service-role-secret-key-1234', NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co' })
    expect(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')).not.toContain('service-role-secret-key-1234')
    const again = keyBox(keychainKey(dataDir, mine, 'linux')!)
    expect(loadConfig({ env: { DATA_DIR: dataDir }, envFileName: null, secretBox: again }).supabase.serviceRoleKey).toBe('service-role-secret-key-1234')
    // Another user's keychain cannot unseal the key file.
    expect(() => keychainKey(dataDir, keychain('someone-else'), 'linux')).toThrow(/decrypting/)
    // A wrong key fails loudly rather than reading garbage.
    expect(() => keyBox(Buffer.alloc(32, 7).toString('base64')).open(again.seal('x'))).toThrow()
  })

  it('has no key without a real keychain (Linux basic_text, none available)', () => {
    expect(keychainKey(path.join(temp.dir, 'none'), { ...keychain('me'), isEncryptionAvailable: () => false }, 'linux')).toBeNull()
    expect(keychainKey(path.join(temp.dir, 'plain'), { ...keychain('me'), getSelectedStorageBackend: () => 'basic_text' }, 'linux')).toBeNull()
  })
})
