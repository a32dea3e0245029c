import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { describeConfig, publicConfig } from '../../../src/app/config-lines'
import { defaultDataDir, loadConfig } from '../../../src/app/load-config'
import { defaultConcurrency } from '../../../src/core/concurrency-default'
import { ConfigError } from '../../../src/core/config'

let cwd: string
beforeAll(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'vp-config-'))
})
afterAll(() => rm(cwd, { recursive: true, force: true }))

const load = (env: Record<string, string>, envFileName: string | null = null) => loadConfig({ env, cwd, envFileName, platform: 'linux', home: '/home/op' })

describe('loadConfig', () => {
  it('falls back to the embedded defaults under the per-user data folder', () => {
    const c = load({})
    expect(c.dataDir).toBe('/home/op/.local/share/video-processor')
    expect(c.downloadDir).toBe('/home/op/.local/share/video-processor/downloads')
    expect(c.worker).toEqual({ concurrency: defaultConcurrency('local'), pollWaitSeconds: 20, visibilityTimeoutSeconds: 120, maxReceiveCount: 5, shutdownDeadlineSeconds: 30 })
    expect([c.readOnly, c.host, c.aws.sqsUrl, c.gemini.apiKey]).toEqual([false, '127.0.0.1', undefined, undefined])
  })

  it('knows the platform folders', () => {
    expect(defaultDataDir('darwin', '/Users/op', {})).toBe('/Users/op/Library/Application Support/video-processor')
    expect(defaultDataDir('win32', 'C:\\Users\\op', { APPDATA: 'C:\\Users\\op\\AppData\\Roaming' })).toMatch(/Roaming.video-processor$/)
  })

  it('names the variable and the expected form in one line for a malformed value', () => {
    const error = (() => {
      try {
        load({ WORKER_CONCURRENCY: 'abc' })
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).toBe('WORKER_CONCURRENCY="abc" is not valid: expected a whole number from 1 to 64')
    expect(() => load({ POLL_WAIT_SECONDS: '21' })).toThrow(/^POLL_WAIT_SECONDS="21" is not valid: expected a whole number of seconds from 0 to 20$/)
    expect(() => load({ AWS_SQS_URL: 'not a url' })).toThrow(/^AWS_SQS_URL=.*expected an SQS queue URL/)
    expect(() => load({ READ_ONLY: 'maybe' })).toThrow(/READ_ONLY.*true or false/)
  })

  it('reads a GEMINI_PRICES table and names the variable when it is malformed', () => {
    const prices = { 'gemini-3.5-flash': { inputPerMTok: 2, outputPerMTok: 10 } }
    expect(load({ GEMINI_PRICES: JSON.stringify(prices) }).gemini.prices).toEqual(prices)
    expect(load({}).gemini.prices).toBeUndefined()
    expect([load({ GEMINI_PROCESSING_TIMEOUT_SECONDS: '90' }).gemini.processingTimeoutMs, load({}).gemini.processingTimeoutMs]).toEqual([90_000, undefined])
    expect(() => load({ GEMINI_PROCESSING_TIMEOUT_SECONDS: '0' })).toThrow(/^GEMINI_PROCESSING_TIMEOUT_SECONDS="0" is not valid: expected a whole number of seconds/)
    for (const bad of ['{not json', '{"gemini-3.5-flash":{"inputPerMTok":-1,"outputPerMTok":1}}', '[1]']) {
      expect(() => load({ GEMINI_PRICES: bad })).toThrow(/^GEMINI_PRICES=.* is not valid: expected JSON prices in USD per million tokens/)
    }
  })

  it('defaults Gemini to the current Flash alias and the free tier’s 2 GB per file, and reads GEMINI_MAX_FILE_MB', () => {
    expect(load({}).gemini).toMatchObject({ model: 'gemini-flash-latest', maxFileBytes: 2_000_000_000 })
    expect(load({ GEMINI_MAX_FILE_MB: '20000' }).gemini.maxFileBytes).toBe(20_000_000_000)
    expect(() => load({ GEMINI_MAX_FILE_MB: '2GB' })).toThrow(/^GEMINI_MAX_FILE_MB="2GB" is not valid: expected a whole number of MB/)
  })

  it('never shows a secret in an error, and asks for the missing half of a pair', () => {
    expect(() => load({ CONSOLE_TOKEN: 'short' })).toThrow('CONSOLE_TOKEN=(hidden) is not valid: expected a token of at least 8 characters')
    expect(() => load({ NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co' })).toThrow(/^SUPABASE_SERVICE_ROLE_KEY is missing/)
  })

  it('reads .env.local, lets the real environment win, and treats empty values as unset', async () => {
    await writeFile(path.join(cwd, '.env.local'), 'WORKER_CONCURRENCY=4\nPOLL_WAIT_SECONDS=3\nAWS_REGION=eu-west-1\n')
    const c = load({ POLL_WAIT_SECONDS: '1', AWS_REGION: '' }, '.env.local')
    expect([c.worker.concurrency, c.worker.pollWaitSeconds, c.aws.region]).toEqual([4, 1, 'eu-west-1'])
    expect(c.envFiles).toEqual([path.join(cwd, '.env.local')])
  })

  it('resolves relative directories against cwd and derives endpoints', () => {
    const c = load({ DATA_DIR: 'data', AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:5000', GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9' })
    expect(c.dataDir).toBe(path.join(cwd, 'data'))
    expect([c.aws.sqsEndpoint, c.aws.s3Endpoint, c.gemini.baseUrl]).toEqual(['http://127.0.0.1:4566', 'http://127.0.0.1:5000', 'http://127.0.0.1:9'])
  })
})

describe('describeConfig', () => {
  it('masks secrets in the printed lines and in config.get', () => {
    const secret = 'AIzaSyD-very-secret-key-1234'
    const c = load({ GEMINI_API_KEY: secret, SUPABASE_SERVICE_ROLE_KEY: 'eyJ.short', NEXT_PUBLIC_SUPABASE_URL: 'https://abc.supabase.co', AWS_REGION: 'us-east-1' })
    const text = describeConfig(c).join('\n')
    expect(text).not.toContain(secret)
    expect(text).not.toContain('eyJ.short')
    expect(text).toMatch(/GEMINI_API_KEY\s+\*\*\*\*1234/)
    expect(text).toMatch(/AWS_REGION\s+us-east-1/)
    expect(text).not.toContain('AWS_SQS_URL')
    const shown = publicConfig(c)
    expect(shown['SUPABASE_SERVICE_ROLE_KEY']).toBe('****')
    expect(shown['AWS_SQS_URL']).toBe('(not set)')
    expect(shown['WORKER_CONCURRENCY']).toBe('10')
    const proxied = publicConfig(load({ GEMINI_BASE_URL: 'http://gateway:hunter22@127.0.0.1:8080/gemini' }))
    expect(proxied['GEMINI_BASE_URL']).toBe('http://gateway:****@127.0.0.1:8080/gemini')
  })
})
