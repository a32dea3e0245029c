// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { TransportContext } from '../../../src/renderer/src/api/transport-context'
import { Header } from '../../../src/renderer/src/features/header/Header'
import { FailureGroups } from '../../../src/renderer/src/features/actions/FailureGroups'
import { VideoDetail } from '../../../src/renderer/src/features/detail/VideoDetail'
import type { Transport } from '../../../src/renderer/src/transport/transport'
import type { WorkerStatus } from '../../../src/shared/console-api'
import { createInMemoryCore } from '../../contract/in-memory-core'
import { OnlineContext } from '../../../src/renderer/src/api/online'
import { ConfirmHost } from '../../../src/renderer/src/features/shell/ConfirmHost'
import { Toasts } from '../../../src/renderer/src/features/shell/Toasts'

const live = { state: 'live' as const, lostAt: null }
const headerProps = { onAdd: () => {}, onSettings: () => {}, theme: 'system' as const, onTheme: () => {}, onHelp: () => {} }

afterEach(cleanup)

function setup(readOnly: boolean) {
  const core = createInMemoryCore()
  const transport: Transport = { kind: 'http', api: core.api, subscribe: () => () => {}, mediaUrl: () => '' }
  const client = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } })
  const wrap = (children: ReactNode) => (
    <TransportContext.Provider value={transport}>
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    </TransportContext.Provider>
  )
  const status: WorkerStatus = {
    state: 'running',
    backends: { queue: 'local', source: 'file', analyzer: 'local', store: 'embedded' },
    concurrency: 2,
    readOnly,
    draining: false
  }
  return { core, client, wrap, status }
}

describe('read-only mode', () => {
  it('hides the worker controls and add button, and says so', () => {
    const { wrap, status } = setup(true)
    render(wrap(<Header status={status} connection={live} {...headerProps} />))
    expect(screen.getByTestId('read-only').textContent).toBe('read-only')
    expect(screen.queryByTestId('worker-stop')).toBeNull()
    expect(screen.queryByTestId('worker-drain')).toBeNull()
    expect(screen.queryByTestId('open-add')).toBeNull()
  })

  it('shows them otherwise', () => {
    const { wrap, status } = setup(false)
    render(wrap(<Header status={status} connection={live} {...headerProps} />))
    expect(screen.queryByTestId('read-only')).toBeNull()
    expect(screen.getByTestId('worker-stop')).toBeTruthy()
    expect(screen.getByTestId('open-add')).toBeTruthy()
  })

  it('disables every action while the server is unreachable', () => {
    const { wrap, status } = setup(false)
    render(wrap(<OnlineContext.Provider value={false}><Header status={status} connection={{ state: 'reconnecting', lostAt: Date.now() }} {...headerProps} /></OnlineContext.Provider>))
    expect(screen.getByTestId('worker-stop').hasAttribute('disabled')).toBe(true)
    expect(screen.getByTestId('worker-drain').hasAttribute('disabled')).toBe(true)
    expect(screen.getByTestId('open-add').hasAttribute('disabled')).toBe(true)
  })

  it('offers "Stop now" while draining', () => {
    const { wrap, status } = setup(false)
    render(wrap(<Header status={{ ...status, state: 'draining', draining: true }} connection={live} {...headerProps} />))
    expect(screen.getByTestId('worker-stop-now').textContent).toBe('Stop now')
    expect(screen.queryByTestId('worker-start')).toBeNull()
  })

  it('offers no retry for a cancelled video or a failure group, and shows cancelled as its own state', async () => {
    const { core, wrap, client } = setup(true)
    const video = await core.api['videos.enqueue']({ source: { kind: 'file', path: '/x.mp4' }, title: 'Broken' })
    await core.api['videos.cancel']({ id: video.id })
    client.setQueryData(['failures'], [{ cause: 'source-missing', count: 2, example: 'not found' }, { cause: 'cancelled', count: 1, example: 'Error: cancelled' }])
    render(
      wrap(
        <>
          <FailureGroups readOnly pendingRetries={0} onShowCause={() => {}} onShowFailed={() => {}} />
          <VideoDetail id={video.id} readOnly compare={false} onCompare={() => {}} onClose={() => {}} />
        </>
      )
    )
    await waitFor(() => expect(screen.getByTestId('detail').getAttribute('data-status')).toBe('cancelled'))
    expect(screen.queryByTestId('error')).toBeNull()
    expect(screen.getByTestId('cancelled-note').textContent).toContain('Cancelled')
    expect(screen.queryByTestId('retry')).toBeNull()
    expect(screen.queryByText('Retry…')).toBeNull()
    expect(screen.queryByTestId('retry-all-failed')).toBeNull()
    expect(screen.getByTestId('failure-group-source-missing').textContent).toContain('2')
    // Cancelled is not a failure: no group for it, and the total counts failures only.
    expect(screen.queryByTestId('failure-group-cancelled')).toBeNull()
    expect(screen.getByTestId('failed-total').textContent).toBe('2 failed videos')
  })

  it('when writable, retrying a group asks first naming the count, then says what it did', async () => {
    const { core, wrap, client } = setup(false)
    const failed = await core.api['videos.enqueue']({ source: { kind: 'file', path: '/a.mp4' }, title: 'Rate limited' })
    core.fail(failed.id, 'quota')
    client.setQueryData(['failures'], [{ cause: 'quota', count: 1, example: 'Error: 429 Too Many Requests' }])
    render(wrap(<><FailureGroups readOnly={false} pendingRetries={0} onShowCause={() => {}} onShowFailed={() => {}} /><ConfirmHost /><Toasts /></>))
    expect(screen.getByTestId('failure-group-quota').textContent).toContain('429 Too Many Requests')
    expect(screen.getByTestId('failure-group-quota').textContent).not.toContain('Error: 429')
    fireEvent.click(within(screen.getByTestId('failure-group-quota')).getByRole('button', { name: 'Retry…' }))
    await waitFor(() => expect(screen.getByTestId('confirm').textContent).toContain('Retry 1 failed video (Quota or rate limit)?'))
    expect((await core.api['videos.get']({ id: failed.id }))?.video.processingStatus).toBe('failed') // nothing before the answer
    fireEvent.click(screen.getByTestId('confirm-ok'))
    await waitFor(() => expect(screen.getByTestId('toast').textContent).toBe('1 re-queued'))
    expect((await core.api['videos.get']({ id: failed.id }))?.video.processingStatus).toBe('queued')
  })
})
