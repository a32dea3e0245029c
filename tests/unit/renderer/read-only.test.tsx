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
    render(wrap(<Header status={status} connection="live" onAdd={() => {}} onSettings={() => {}} />))
    expect(screen.getByTestId('read-only').textContent).toBe('read-only')
    expect(screen.queryByTestId('worker-stop')).toBeNull()
    expect(screen.queryByTestId('worker-drain')).toBeNull()
    expect(screen.queryByTestId('open-add')).toBeNull()
  })

  it('shows them otherwise', () => {
    const { wrap, status } = setup(false)
    render(wrap(<Header status={status} connection="live" onAdd={() => {}} onSettings={() => {}} />))
    expect(screen.queryByTestId('read-only')).toBeNull()
    expect(screen.getByTestId('worker-stop')).toBeTruthy()
    expect(screen.getByTestId('open-add')).toBeTruthy()
  })

  it('offers no retry for a failed video or a failure group', async () => {
    const { core, wrap, client } = setup(true)
    const video = await core.api['videos.enqueue']({ source: { kind: 'file', path: '/x.mp4' }, title: 'Broken' })
    await core.api['videos.cancel']({ id: video.id })
    client.setQueryData(['failures'], [{ cause: 'source-missing', count: 2, example: 'not found' }])
    render(
      wrap(
        <>
          <FailureGroups readOnly onShowFailed={() => {}} />
          <VideoDetail id={video.id} readOnly onClose={() => {}} />
        </>
      )
    )
    await waitFor(() => expect(screen.getByTestId('detail').getAttribute('data-status')).toBe('failed'))
    expect(screen.getByTestId('error').textContent).toContain('Cancelled')
    expect(screen.queryByTestId('retry')).toBeNull()
    expect(screen.queryByText('Retry this group')).toBeNull()
    expect(screen.queryByTestId('retry-all-failed')).toBeNull()
    expect(screen.getByTestId('failure-group-source-missing').textContent).toContain('2')
  })

  it('when writable, "Retry this group" requeues the failures of that cause only', async () => {
    const { core, wrap, client } = setup(false)
    const cancelled = await core.api['videos.enqueue']({ source: { kind: 'file', path: '/a.mp4' }, title: 'Cancelled one' })
    await core.api['videos.cancel']({ id: cancelled.id })
    client.setQueryData(['failures'], [
      { cause: 'cancelled', count: 1, example: 'Error: cancelled' },
      { cause: 'quota', count: 3, example: 'Error: 429 Too Many Requests' }
    ])
    render(wrap(<FailureGroups readOnly={false} onShowFailed={() => {}} />))
    expect(screen.getByTestId('failure-group-quota').textContent).toContain('429 Too Many Requests')
    expect(screen.getByTestId('failure-group-quota').textContent).not.toContain('Error: 429')
    fireEvent.click(within(screen.getByTestId('failure-group-cancelled')).getByRole('button', { name: 'Retry this group' }))
    await waitFor(async () => expect((await core.api['videos.get']({ id: cancelled.id }))?.video.processingStatus).toBe('queued'))
  })
})
