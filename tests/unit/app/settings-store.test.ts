import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig, readConfigLayers } from '../../../src/app/load-config'
import { createSettingsService } from '../../../src/app/settings-service'
import { createSettingsStore, SECRETS_FILE, SETTINGS_FILE } from '../../../src/app/settings-store'
import { ConfigError } from '../../../src/core/config'
import { createSafeStorageBox, type SafeStorageLike } from '../../../src/main/safe-storage-box'

let root: string
let dataDir: string
let cwd: string
beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'vp-settings-'))
  dataDir = path.join(root, 'data')
  cwd = path.join(root, 'work')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(cwd, { recursive: true })
})
afterEach(() => rm(root, { recursive: true, force: true }))

/** Electron's safeStorage as seen from outside: opaque bytes only this "keychain" can turn back. */
function fakeSafeStorage(secret = 'keychain-1'): SafeStorageLike & { calls: number } {
  const mask = (b: Buffer) => Buffer.from(b.map((x, i) => x ^ secret.charCodeAt(i % secret.length)))
  return {
    calls: 0,
    isEncryptionAvailable: () => true,
    getSelectedStorageBackend: () => 'gnome_libsecret',
    encryptString(plain) {
      this.calls++
      return Buffer.concat([Buffer.from('v10'), mask(Buffer.from(plain, 'utf8'))])
    },
    decryptString(encrypted) {
      if (encrypted.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.')
      return mask(encrypted.subarray(3)).toString('utf8')
    }
  }
}

const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, ...extra })

describe('where a value comes from', () => {
  it('takes the environment over .env.local, .env.local over the profile, and the profile over the default', async () => {
    const store = createSettingsStore(dataDir)
    store.update('local', { AWS_REGION: 'eu-north-1', WORKER_CONCURRENCY: '3', POLL_WAIT_SECONDS: '4', MAX_RECEIVE_COUNT: '7' })
    await writeFile(path.join(cwd, '.env.local'), 'WORKER_CONCURRENCY=5\nPOLL_WAIT_SECONDS=6\n')
    const layers = readConfigLayers({ env: env({ POLL_WAIT_SECONDS: '1' }), cwd })
    expect(layers.values).toMatchObject({ POLL_WAIT_SECONDS: '1', WORKER_CONCURRENCY: '5', AWS_REGION: 'eu-north-1', MAX_RECEIVE_COUNT: '7' })
    expect(layers.sources).toMatchObject({ POLL_WAIT_SECONDS: 'environment', WORKER_CONCURRENCY: 'env-file', AWS_REGION: 'profile', MAX_RECEIVE_COUNT: 'profile' })
    const config = loadConfig({ env: env({ POLL_WAIT_SECONDS: '1' }), cwd })
    expect(config.worker).toMatchObject({ pollWaitSeconds: 1, concurrency: 5, maxReceiveCount: 7, visibilityTimeoutSeconds: 120 })
    expect(config.aws.region).toBe('eu-north-1')
  })

  it('reads .env.local in the working directory first, then in DATA_DIR', async () => {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dataDir, { recursive: true })
    await writeFile(path.join(dataDir, '.env.local'), 'AWS_REGION=ap-south-1\nWORKER_CONCURRENCY=9\n')
    await writeFile(path.join(cwd, '.env.local'), 'WORKER_CONCURRENCY=8\n')
    const config = loadConfig({ env: env(), cwd })
    expect([config.aws.region, config.worker.concurrency]).toEqual(['ap-south-1', 8])
    expect(config.envFiles).toEqual([path.join(cwd, '.env.local'), path.join(dataDir, '.env.local')])
    // A desktop app started from a menu has no working directory of the user's: DATA_DIR's file still counts.
    await rm(path.join(cwd, '.env.local'))
    expect(loadConfig({ env: env(), cwd }).worker.concurrency).toBe(9)
  })

  it('lets command-line values win over everything, and shows them as such', () => {
    const layers = readConfigLayers({ env: env({ PORT: '7000' }), cwd, overrides: { PORT: '8123' } })
    expect([layers.values.PORT, layers.sources.PORT]).toEqual(['8123', 'command-line'])
  })

  it('reads another profile when asked, and lays unsaved values over it', () => {
    const store = createSettingsStore(dataDir)
    store.update('staging', { AWS_SQS_URL: 'http://127.0.0.1:9/1/q', AWS_S3_BUCKET: 'videos' })
    expect(loadConfig({ env: env(), cwd }).aws.sqsUrl).toBeUndefined()
    expect(loadConfig({ env: env(), cwd, profile: 'staging' }).aws.sqsUrl).toBe('http://127.0.0.1:9/1/q')
    const draft = loadConfig({ env: env(), cwd, profile: 'staging', draft: { AWS_S3_BUCKET: 'other-bucket', AWS_SQS_URL: null } })
    expect([draft.aws.s3Bucket, draft.aws.sqsUrl]).toEqual(['other-bucket', undefined])
  })
})

describe('secrets at rest', () => {
  it('keeps secrets out of settings.json and in secrets.json with mode 600, whatever the umask', async () => {
    const old = process.umask(0o000)
    try {
      createSettingsStore(dataDir).update('local', { GEMINI_API_KEY: 'AIza-plain-secret-value-0001', GEMINI_MODEL: 'gemini-3.5-flash' })
    } finally {
      process.umask(old)
    }
    const settings = await readFile(path.join(dataDir, SETTINGS_FILE), 'utf8')
    expect(settings).toContain('gemini-3.5-flash')
    expect(settings).not.toContain('AIza')
    expect((await stat(path.join(dataDir, SECRETS_FILE))).mode & 0o777).toBe(0o600)
    expect(loadConfig({ env: env(), cwd }).gemini.apiKey).toBe('AIza-plain-secret-value-0001')
  })

  it('encrypts with safeStorage in the desktop app, reads it back, and names the problem where no keychain can', async () => {
    const keychain = fakeSafeStorage()
    const box = createSafeStorageBox(keychain, 'linux')!
    createSettingsStore(dataDir, box).update('local', { SUPABASE_SERVICE_ROLE_KEY: 'service-role-secret-key-1234', NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co' })
    expect(keychain.calls).toBe(1)
    const file = await readFile(path.join(dataDir, SECRETS_FILE), 'utf8')
    expect(file).not.toContain('service-role-secret-key-1234')
    expect(file).toContain('"os-keychain"')
    expect(loadConfig({ env: env(), cwd, secretBox: box }).supabase.serviceRoleKey).toBe('service-role-secret-key-1234')

    // The headless server has no keychain: the secret is unusable there, said in one line, never misread.
    const layers = readConfigLayers({ env: env(), cwd })
    expect(layers.values.SUPABASE_SERVICE_ROLE_KEY).toBeUndefined()
    expect(layers.problems.SUPABASE_SERVICE_ROLE_KEY).toMatch(/saved by the desktop app's keychain and cannot be read here/)
    // Another keychain (another user) cannot open it either.
    const other = createSafeStorageBox({ ...fakeSafeStorage('other'), decryptString: () => { throw new Error('bad decrypt') } }, 'linux')!
    expect(readConfigLayers({ env: env(), cwd, secretBox: other }).problems.SUPABASE_SERVICE_ROLE_KEY).toMatch(/cannot be decrypted/)
  })

  it('falls back to the file when safeStorage has no real keychain', () => {
    expect(createSafeStorageBox({ ...fakeSafeStorage(), isEncryptionAvailable: () => false })).toBeNull()
    expect(createSafeStorageBox({ ...fakeSafeStorage(), getSelectedStorageBackend: () => 'basic_text' }, 'linux')).toBeNull()
  })
})

describe('validation', () => {
  it('refuses a bad value with one line naming the variable, hiding secrets, and writes nothing', async () => {
    const store = createSettingsStore(dataDir)
    expect(() => store.update('local', { WORKER_CONCURRENCY: '0' })).toThrow(new ConfigError('WORKER_CONCURRENCY', 'WORKER_CONCURRENCY="0" is not valid: expected a whole number from 1 to 64'))
    expect(() => store.update('local', { CONSOLE_TOKEN: 'short' })).toThrow('CONSOLE_TOKEN=(hidden) is not valid: expected a token of at least 8 characters')
    expect(() => store.update('local', { DATA_DIR: '/elsewhere' })).toThrow(/DATA_DIR can only be set in the environment/)
    expect(() => store.update('bad name!', { AWS_REGION: 'x' })).toThrow(/not a profile name/)
    await expect(stat(path.join(dataDir, SETTINGS_FILE))).rejects.toThrow(/ENOENT/)
  })

  it('says how to fix a settings file it cannot read', async () => {
    const { mkdir } = await import('node:fs/promises')
    await mkdir(dataDir, { recursive: true })
    await writeFile(path.join(dataDir, SETTINGS_FILE), '{ not json')
    expect(() => loadConfig({ env: env(), cwd })).toThrow(/settings\.json is not valid JSON: fix it, or delete it/)
  })

  it('refuses, through the service, a value the environment decides, half a credential, and an unknown name', async () => {
    const service = createSettingsService({ load: { env: env({ AWS_REGION: 'us-west-2' }), cwd } })
    await expect(service.set({ values: { AWS_REGION: 'eu-west-1' } })).rejects.toThrow('AWS_REGION is set by the environment, which wins over saved settings: change or remove it there')
    await expect(service.set({ values: { NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co' } })).rejects.toThrow(/^SUPABASE_SERVICE_ROLE_KEY is missing/)
    await expect(service.set({ values: { NOT_A_SETTING: 'x' } })).rejects.toThrow(/NOT_A_SETTING is not a setting/)
    await expect(service.set({ values: { POLL_WAIT_SECONDS: '99' } })).rejects.toThrow(/^POLL_WAIT_SECONDS="99" is not valid/)
  })
})

describe('the settings view', () => {
  it('says a fresh install runs on embedded defaults, and what a partial setup lacks', async () => {
    const service = createSettingsService({ load: { env: env(), cwd } })
    const fresh = await service.get()
    expect(fresh.embeddedOnly).toBe(true)
    expect(fresh.profile).toBe('local')
    expect(fresh.settings.find((s) => s.name === 'WORKER_CONCURRENCY')).toMatchObject({ value: null, default: '10 with Gemini (its jobs wait on the network); one per CPU core, at most 8, with the local analyzer', source: 'default', group: 'worker' })

    const view = await service.set({ profile: 'staging', values: { AWS_SQS_URL: 'http://127.0.0.1:9/000000000000/videos', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE01', AWS_SECRET_ACCESS_KEY: 'very-secret-access-key-abcd' } })
    expect(view.embeddedOnly).toBe(false)
    expect(view.summary.find((s) => s.backend === 's3')).toMatchObject({ state: 'partial', message: expect.stringMatching(/AWS_S3_BUCKET is not set: with SQS, local files cannot be enqueued/) })
    const secret = view.settings.find((s) => s.name === 'AWS_SECRET_ACCESS_KEY')!
    expect(secret).toMatchObject({ value: '****abcd', profileValue: '****abcd', source: 'profile', secret: true })
    expect(JSON.stringify(view)).not.toContain('very-secret-access-key')
    const profiles = await service.profiles()
    expect(profiles.profiles).toEqual([
      { name: 'local', active: true, backends: [] },
      { name: 'staging', active: false, backends: ['sqs'] }
    ])
    await service.use('staging')
    expect((await service.profiles()).active).toBe('staging')
    await expect(service.remove('staging')).rejects.toThrow(/is the active profile/)
    await expect(service.use('nowhere')).rejects.toThrow(/There is no profile "nowhere"/)
  })
})
