// @vitest-environment jsdom
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { createSettingsService } from '../../../src/app/settings-service'
import type { ConsoleApi } from '../../../src/shared/console-api'
import { TransportContext } from '../../../src/renderer/src/api/transport-context'
import { SettingsPanel } from '../../../src/renderer/src/features/settings/SettingsPanel'
import type { Transport } from '../../../src/renderer/src/transport/transport'
import { createInMemoryCore } from '../../contract/in-memory-core'

// The panel against the real settings service (a temporary DATA_DIR), as the console uses it.
let dataDir: string
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'vp-settings-panel-'))
})
afterEach(async () => {
  cleanup()
  await rm(dataDir, { recursive: true, force: true })
})

function mount(env: Record<string, string> = {}) {
  const service = createSettingsService({ load: { env: { DATA_DIR: dataDir, ...env }, envFileName: null } })
  const api: ConsoleApi = {
    ...createInMemoryCore().api,
    'settings.get': (input) => service.get(input?.profile),
    'settings.set': (input) => service.set(input),
    'settings.check': (input) => service.check(input),
    'profiles.list': () => service.profiles(),
    'profiles.use': ({ name }) => service.use(name),
    'profiles.remove': ({ name }) => service.remove(name)
  }
  const transport: Transport = { kind: 'http', api, subscribe: () => () => {}, mediaUrl: () => '' }
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } })
  render(
    <TransportContext.Provider value={transport}>
      <QueryClientProvider client={client}>
        <SettingsPanel readOnly={false} onClose={() => {}} />
      </QueryClientProvider>
    </TransportContext.Provider>
  )
}

const input = (name: string) => document.getElementById(`setting-${name}`) as HTMLInputElement

describe('settings panel', () => {
  it('validates as the operator types, with the loader\'s own message, and keeps Save off until it is right', async () => {
    mount()
    await waitFor(() => expect(input('WORKER_CONCURRENCY')).toBeTruthy())
    fireEvent.change(input('WORKER_CONCURRENCY'), { target: { value: '0' } })
    expect(screen.getByTestId('setting-WORKER_CONCURRENCY-error').textContent).toBe('WORKER_CONCURRENCY="0" is not valid: expected a whole number from 1 to 64')
    expect((screen.getByTestId('settings-save') as HTMLButtonElement).disabled).toBe(true)
    fireEvent.change(input('WORKER_CONCURRENCY'), { target: { value: '4' } })
    expect(screen.queryByTestId('setting-WORKER_CONCURRENCY-error')).toBeNull()
    expect((screen.getByTestId('settings-save') as HTMLButtonElement).disabled).toBe(false)
  })

  it('shows a value the environment sets as read-only, and never shows a saved secret', async () => {
    mount({ AWS_REGION: 'eu-central-1' })
    await waitFor(() => expect(input('AWS_REGION')).toBeTruthy())
    expect(input('AWS_REGION').disabled).toBe(true)
    expect(screen.getByTestId('setting-AWS_REGION-locked').textContent).toContain('set by the environment (read-only here)')

    fireEvent.change(input('GEMINI_API_KEY'), { target: { value: 'AIza-secret-typed-in-the-panel-42' } })
    fireEvent.click(screen.getByTestId('settings-save'))
    await waitFor(() => expect(screen.getByTestId('settings-message').textContent).toBe('Saved to local.'))
    expect(input('GEMINI_API_KEY').value).toBe('')
    expect(input('GEMINI_API_KEY').placeholder).toBe('saved (****l-42); type to replace')
    expect(document.body.innerHTML).not.toContain('AIza-secret-typed-in-the-panel-42')
    // What the first run said has changed with it.
    expect(screen.getByTestId('settings-summary').textContent).toContain('Videos are analysed by Gemini')
  })
})
