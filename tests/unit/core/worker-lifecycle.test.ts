import { describe, expect, it } from 'vitest'
import { createLifecycle, nextState, TRANSITIONS, type LifecycleEvent } from '../../../src/core/worker-lifecycle'
import type { WorkerState } from '../../../src/shared/events'

const STATES: WorkerState[] = ['starting', 'running', 'draining', 'stopping', 'stopped']
const EVENTS: LifecycleEvent[] = ['start', 'started', 'drain', 'stopNow', 'settled']

/** Drives a fresh lifecycle to `state` along allowed transitions. */
function at(state: WorkerState) {
  const seen: WorkerState[] = []
  const life = createLifecycle((s) => seen.push(s))
  const path: Record<WorkerState, LifecycleEvent[]> = {
    stopped: [],
    starting: ['start'],
    running: ['start', 'started'],
    draining: ['start', 'started', 'drain'],
    stopping: ['start', 'started', 'stopNow']
  }
  for (const e of path[state]) expect(life.fire(e)).toBe(true)
  seen.length = 0
  return { life, seen }
}

describe('worker lifecycle table', () => {
  const allowed: [WorkerState, LifecycleEvent, WorkerState][] = [
    ['stopped', 'start', 'starting'],
    ['starting', 'started', 'running'],
    ['starting', 'drain', 'stopping'],
    ['starting', 'stopNow', 'stopping'],
    ['running', 'drain', 'draining'],
    ['running', 'stopNow', 'stopping'],
    ['draining', 'stopNow', 'stopping'],
    ['draining', 'settled', 'stopped'],
    ['stopping', 'settled', 'stopped']
  ]

  it.each(allowed)('%s --%s--> %s', (from, event, to) => {
    const { life, seen } = at(from)
    expect(life.fire(event)).toBe(true)
    expect(life.state).toBe(to)
    expect(seen).toEqual([to])
  })

  it('refuses every other event and leaves the state alone', () => {
    let refused = 0
    for (const from of STATES)
      for (const event of EVENTS) {
        if (allowed.some(([f, e]) => f === from && e === event)) continue
        const { life, seen } = at(from)
        expect(life.fire(event), `${from} --${event}`).toBe(false)
        expect(life.state).toBe(from)
        expect(seen).toEqual([])
        refused += 1
      }
    expect(refused).toBe(STATES.length * EVENTS.length - allowed.length)
  })

  it('the table has exactly the transitions listed', () => {
    const listed = Object.entries(TRANSITIONS).flatMap(([from, row]) => Object.entries(row).map(([e, to]) => [from, e, to]))
    expect(listed.sort()).toEqual(allowed.map((t) => [...t]).sort())
    expect(nextState('stopping', 'started')).toBeNull()
  })

  it('stop during start: the end of start-up can no longer make it running', () => {
    const { life } = at('starting')
    expect(life.fire('drain')).toBe(true)
    expect(life.fire('started')).toBe(false)
    expect(life.state).toBe('stopping')
    expect(life.leaving.aborted).toBe(true)
    life.fire('settled')
    expect(life.state).toBe('stopped')
  })

  it('signals: leaving fires on any stop, urgent only on stopNow (also while draining)', () => {
    const { life } = at('running')
    expect(life.leaving.aborted).toBe(false)
    life.fire('drain')
    expect(life.leaving.aborted).toBe(true)
    expect(life.urgent.aborted).toBe(false)
    life.fire('stopNow')
    expect(life.state).toBe('stopping')
    expect(life.urgent.aborted).toBe(true)
    life.fire('settled')
    // A new start gets fresh signals.
    life.fire('start')
    expect(life.leaving.aborted).toBe(false)
    expect(life.urgent.aborted).toBe(false)
  })
})
