import { describe, expect, it } from 'vitest'
import { toJobError } from '../../../src/core/pipeline/failure'
import { FailureCause, failureCauseInfo } from '../../../src/shared/video-status'

describe('failure classification', () => {
  const live = new AbortController().signal

  it('files connection failures under network, found on the error or its cause', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })
    expect(toJobError(refused, live)).toMatchObject({ failureCause: 'network', retryable: true })
    const wrapped = new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) })
    expect(toJobError(wrapped, live)).toMatchObject({ failureCause: 'network', retryable: true })
    expect(toJobError(new Error('something odd'), live)).toMatchObject({ failureCause: 'other', retryable: true })
  })

  it('an operator cancel wins over whatever the stage threw', () => {
    const c = new AbortController()
    c.abort({ kind: 'cancel' })
    expect(toJobError(new Error('aborted'), c.signal)).toMatchObject({ failureCause: 'cancelled', retryable: false })
  })

  it('every cause has a label, an outlook for retries and advice', () => {
    for (const cause of FailureCause.options) {
      const info = failureCauseInfo[cause]
      expect(info.label.length).toBeGreaterThan(2)
      expect(['likely', 'after-fix', 'unlikely']).toContain(info.retry)
      expect(info.advice).toMatch(/\.$/)
    }
  })
})
