// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { TransportContext } from '../../../src/renderer/src/api/transport-context'
import { DeadLetters } from '../../../src/renderer/src/features/actions/DeadLetters'
import { ConfirmHost } from '../../../src/renderer/src/features/shell/ConfirmHost'
import type { Transport } from '../../../src/renderer/src/transport/transport'
import type { ConsoleApi, DeadLetterView } from '../../../src/shared/console-api'
import { createInMemoryCore } from '../../contract/in-memory-core'

afterEach(cleanup)

const letter = (id: string, reason: string, body: string): DeadLetterView => ({
  id,
  body,
  videoId: null,
  reason,
  receiveCount: 5,
  sentAt: '2026-12-01T10:00:00.000Z',
  deadAt: '2026-12-01T10:05:00.000Z'
})

/** The in-memory API with a dead-letter store the test can look into. */
function setup(store: string | null, letters: DeadLetterView[], readOnly = false) {
  const calls: string[] = []
  const api: ConsoleApi = {
    ...createInMemoryCore().api,
    'deadLetters.list': async () => ({ store, items: [...letters], total: store ? letters.length : null }),
    'deadLetters.requeue': async ({ ids }) => {
      calls.push(`requeue ${ids?.join(',') ?? 'all'}`)
      const gone = letters.filter((l) => !ids || ids.includes(l.id))
      letters.splice(0, letters.length, ...letters.filter((l) => !gone.includes(l)))
      return { count: gone.length }
    },
    'deadLetters.purge': async ({ ids }) => {
      calls.push(`purge ${ids?.join(',') ?? 'all'}`)
      const n = letters.length
      letters.splice(0)
      return { count: n }
    }
  }
  const transport: Transport = { kind: 'http', api, subscribe: () => () => {}, mediaUrl: () => '' }
  render(
    <TransportContext.Provider value={transport}>
      <QueryClientProvider client={new QueryClient()}>
        <DeadLetters readOnly={readOnly} />
        <ConfirmHost />
      </QueryClientProvider>
    </TransportContext.Provider>
  )
  return { calls }
}

describe('<DeadLetters>', () => {
  it('is not shown when the queue has no dead-letter queue, or nothing in it', async () => {
    setup(null, [])
    await new Promise((r) => setTimeout(r, 50))
    expect(screen.queryByTestId('dead-letters')).toBeNull()
    cleanup()
    setup('local dead letters', [])
    await new Promise((r) => setTimeout(r, 50))
    expect(screen.queryByTestId('dead-letters')).toBeNull()
  })

  it('lists reason, body and receive count; requeues one; purges only after the operator confirms', async () => {
    const { calls } = setup('SQS videos-dlq', [letter('m1', 'message body is not JSON', 'not json'), letter('m2', 'gave up after 5 deliveries', '{"video_id":"x"}')])
    await waitFor(() => expect(screen.getByTestId('dead-letters-toggle').textContent).toBe('2 dead letters in SQS videos-dlq'))
    fireEvent.click(screen.getByTestId('dead-letters-toggle'))
    const rows = screen.getAllByTestId('dead-letter')
    expect(rows.map((r) => r.textContent)).toEqual([expect.stringMatching(/×5.*message body is not JSON · not json/), expect.stringMatching(/gave up after 5 deliveries/)])

    fireEvent.click(screen.getAllByRole('button', { name: 'Requeue' })[0]!)
    fireEvent.click(await screen.findByTestId('confirm-ok'))
    await waitFor(() => expect(calls).toEqual(['requeue m1']))
    await waitFor(() => expect(screen.getByTestId('dead-letters-toggle').textContent).toBe('1 dead letter in SQS videos-dlq'))

    fireEvent.click(screen.getByTestId('dead-letters-purge'))
    expect((await screen.findByTestId('confirm')).textContent).toMatch(/Delete 1 dead letter for good\?/)
    fireEvent.click(screen.getByTestId('confirm-cancel'))
    await new Promise((r) => setTimeout(r, 50))
    expect(calls).toEqual(['requeue m1'])

    fireEvent.click(screen.getByTestId('dead-letters-purge'))
    fireEvent.click(await screen.findByTestId('confirm-ok'))
    await waitFor(() => expect(calls).toEqual(['requeue m1', 'purge all']))
    await waitFor(() => expect(screen.queryByTestId('dead-letters')).toBeNull())
  })

  it('read-only: lists, offers no actions', async () => {
    setup('local dead letters', [letter('m1', 'bad', 'x')], true)
    await waitFor(() => expect(screen.getByTestId('dead-letters')).toBeTruthy())
    fireEvent.click(screen.getByTestId('dead-letters-toggle'))
    expect(screen.queryByTestId('dead-letters-purge')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Requeue' })).toBeNull()
  })
})
