import type { Queue } from '../ports'

/** Gives a message back because the worker stops: uncounted where the queue can, else visibility 0. */
export function handBack(queue: Queue, receiptHandle: string): Promise<void> {
  return queue.release ? queue.release(receiptHandle) : queue.changeVisibility(receiptHandle, 0)
}
