import type { Message } from '@aws-sdk/client-sqs'

/**
 * Long polls whose caller stopped waiting (stop, abort). Their HTTP request is not cut: SQS
 * may still hand such a poll a message (a job just handed back, a new send), and a cut
 * connection would strand it, invisible, for the whole visibility timeout (what
 * sqs-consumer's `abort` does). Instead the poll runs to its end and gives back at once
 * whatever it brought.
 */
export class AbandonedPolls {
  private readonly pending = new Set<Promise<void>>()

  adopt(poll: Promise<Message[]>, handBack: (messages: Message[]) => Promise<void>): void {
    const settled: Promise<void> = poll
      .then((messages) => (messages.length > 0 ? handBack(messages) : undefined))
      .catch(() => undefined)
      .finally(() => this.pending.delete(settled))
    this.pending.add(settled)
  }

  /** Waits for the abandoned polls, at most `ms`: one that got a message answers at once. */
  async settle(ms: number): Promise<void> {
    if (this.pending.size === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(this.pending), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))])
    clearTimeout(timer)
  }
}
