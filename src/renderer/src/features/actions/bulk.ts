import type { BulkFilter, BulkOutcome } from '../../../../shared/debugging'
import type { ConsoleApi } from '../../../../shared/console-api'
import { confirmAction } from '../../lib/confirm'
import { plural } from '../../lib/filter-videos'
import { toastError, toastStore } from '../../lib/toasts'

type Target = { filter?: BulkFilter; ids?: string[] }

/** `12 re-queued, 3 skipped: permanent cause`. */
export function describeOutcome(outcome: BulkOutcome, verb: string): string {
  const skipped = outcome.skipped.map((s) => `${s.count} skipped: ${s.reason}`)
  return [`${outcome.done} ${verb}`, ...skipped].join(', ')
}

/**
 * Retry in bulk with care: count first (a dry run), ask naming the count and what will be skipped,
 * then act and say what happened. Videos whose cause will fail again are left out unless the
 * operator asks for them, having been told why.
 */
export async function retryInBulk(api: ConsoleApi, target: Target, what: string, opts: { unlikelyReason?: string } = {}): Promise<void> {
  try {
    const preview = await api['videos.retryMany']({ ...target, dryRun: true, includeUnlikely: false })
    const permanent = preview.skipped.find((s) => s.reason === 'permanent cause')?.count ?? 0
    if (preview.matched === 0) {
      toastStore.push({ tone: 'info', text: `No failed videos ${what}` })
      return
    }
    const includeUnlikely = preview.done === 0 && permanent > 0
    const count = includeUnlikely ? permanent : preview.done
    const body = [
      includeUnlikely
        ? `All ${plural(permanent, 'video')} failed for a reason a retry does not fix${opts.unlikelyReason ? `: ${opts.unlikelyReason}` : ''}. They will likely fail again.`
        : `${plural(count, 'video')} will be queued again.`,
      ...preview.skipped.filter((s) => !(includeUnlikely && s.reason === 'permanent cause')).map((s) => `${s.count} will be skipped: ${s.reason}.`)
    ]
    const ok = await confirmAction({
      title: `Retry ${plural(count, 'failed video')} ${what}?`,
      body,
      confirmLabel: includeUnlikely ? `Retry ${count} anyway` : `Retry ${count}`,
      tone: includeUnlikely ? 'warn' : 'normal'
    })
    if (!ok) return
    const done = await api['videos.retryMany']({ ...target, dryRun: false, includeUnlikely })
    toastStore.push({ tone: 'ok', text: describeOutcome(done, 're-queued') })
  } catch (error) {
    toastError('Retry', error)
  }
}

/** Cancels the retries the queue would still deliver, after saying how many. */
export async function cancelRetriesInBulk(api: ConsoleApi, target: Target, what: string): Promise<void> {
  try {
    const preview = await api['videos.cancelRetries']({ ...target, dryRun: true })
    if (preview.done === 0) {
      toastStore.push({ tone: 'info', text: `No pending retries ${what}` })
      return
    }
    const ok = await confirmAction({
      title: `Cancel ${plural(preview.done, 'pending retry', 'pending retries')} ${what}?`,
      body: ['These videos failed and wait for the queue to deliver them again. Cancelled, they stay as they are until someone retries them.'],
      confirmLabel: `Cancel ${preview.done}`,
      tone: 'warn'
    })
    if (!ok) return
    const done = await api['videos.cancelRetries']({ ...target, dryRun: false })
    toastStore.push({ tone: 'ok', text: describeOutcome(done, 'retries cancelled') })
  } catch (error) {
    toastError('Cancel retries', error)
  }
}
