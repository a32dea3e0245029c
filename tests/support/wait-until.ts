import { setTimeout as sleep } from 'node:timers/promises'

/** Polls `fn` every 50 ms until it holds; throws naming `what` once `ms` has passed. */
export async function waitUntil(what: string, fn: () => boolean | Promise<boolean>, ms = 40_000): Promise<void> {
  const until = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
