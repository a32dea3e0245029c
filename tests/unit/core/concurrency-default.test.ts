import os from 'node:os'
import { describe, expect, it } from 'vitest'
import { defaultConcurrency } from '../../../src/core/concurrency-default'
import { describeConfig, publicConfig } from '../../../src/app/config-lines'
import { loadConfig } from '../../../src/app/load-config'

const load = (env: Record<string, string>) => loadConfig({ env, envFileName: null, platform: 'linux', home: '/home/op' })

describe('the default number of jobs at once follows the analyzer', () => {
  it('many for Gemini, whose jobs wait on the network; about one per core for the local analyzer', () => {
    expect(defaultConcurrency('gemini', 2)).toBe(10)
    expect(defaultConcurrency('gemini', 64)).toBe(10)
    expect(defaultConcurrency('local', 1)).toBe(1)
    expect(defaultConcurrency('local', 2)).toBe(2)
    expect(defaultConcurrency('local', 6)).toBe(6)
    // Each local job peaks at a few hundred MB and runs its own steps in parallel: more cores do not mean more jobs without end.
    expect(defaultConcurrency('local', 64)).toBe(8)
  })

  it('loadConfig takes the default of the analyzer the configuration selects; a set WORKER_CONCURRENCY wins', () => {
    expect(load({}).worker.concurrency).toBe(defaultConcurrency('local', os.availableParallelism()))
    expect(load({ GEMINI_API_KEY: 'a-gemini-key' }).worker.concurrency).toBe(10)
    expect(load({ GEMINI_API_KEY: 'a-gemini-key', WORKER_CONCURRENCY: '3' }).worker.concurrency).toBe(3)
    expect(load({ WORKER_CONCURRENCY: '12' }).worker.concurrency).toBe(12)
  })

  it('the config summary shows the value and why, when it is the default', () => {
    expect(describeConfig(load({ GEMINI_API_KEY: 'a-gemini-key' })).join('\n')).toMatch(/WORKER_CONCURRENCY\s+10 \(default with Gemini: its jobs wait on the network\)/)
    const local = defaultConcurrency('local', os.availableParallelism())
    expect(describeConfig(load({})).join('\n')).toMatch(new RegExp(`WORKER_CONCURRENCY\\s+${local} \\(default with the local analyzer: about one job per CPU core\\)`))
    expect(describeConfig(load({ WORKER_CONCURRENCY: '3' })).join('\n')).toMatch(/WORKER_CONCURRENCY\s+3$/m)
    // The console and `config list` get the number alone: it is a value the settings panel validates.
    expect(publicConfig(load({}))['WORKER_CONCURRENCY']).toBe(String(local))
  })
})
