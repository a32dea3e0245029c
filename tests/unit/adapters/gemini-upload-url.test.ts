import { describe, expect, it } from 'vitest'
import { endpoint, sessionUrl } from '../../../src/adapters/analyzer/gemini-upload'
import { priceOf } from '../../../src/adapters/analyzer/gemini-prices'
import { rerouteWarning } from '../../../src/adapters/analyzer/gemini-models'

describe('Gemini upload URLs', () => {
  const gateway = 'https://gw.example/v1/acct/google-ai-studio'
  const google = 'https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=AbC-123&upload_protocol=resumable'

  it('keeps the base URL’s path for the start request', () => {
    expect(endpoint(gateway, '/upload/v1beta/files').href).toBe('https://gw.example/v1/acct/google-ai-studio/upload/v1beta/files')
    expect(endpoint(`${gateway}/`, '/upload/v1beta/files').href).toBe('https://gw.example/v1/acct/google-ai-studio/upload/v1beta/files')
    expect(endpoint(undefined, '/upload/v1beta/files').href).toBe('https://generativelanguage.googleapis.com/upload/v1beta/files')
  })

  it('moves the session URL Google returns onto the gateway, path and query kept', () => {
    expect(sessionUrl(google, gateway).href).toBe('https://gw.example/v1/acct/google-ai-studio/upload/v1beta/files?upload_id=AbC-123&upload_protocol=resumable')
  })

  it('does not prefix twice a session URL the gateway already rewrote', () => {
    const rewritten = 'https://gw.example/v1/acct/google-ai-studio/upload/v1beta/files?upload_id=x'
    expect(sessionUrl(rewritten, gateway).href).toBe(rewritten)
  })

  it('uses the session URL as given without a gateway, and a relative one against the base', () => {
    expect(sessionUrl(google, undefined).href).toBe(google)
    expect(sessionUrl('/upload/v1beta/files?upload_id=y', 'http://127.0.0.1:9')).toEqual(new URL('http://127.0.0.1:9/upload/v1beta/files?upload_id=y'))
  })
})

describe('Gemini prices and models', () => {
  it('switches to a dated price on its day, by the answered model’s id with or without a version suffix', () => {
    const before = priceOf('gemini-3.8-flash-001', new Date('2026-12-31T23:59:59Z'))
    const after = priceOf('models/gemini-3.8-flash', new Date('2027-01-01T00:00:00Z'))
    expect([before?.inputPerMTok, before?.outputPerMTok, after?.inputPerMTok, after?.outputPerMTok]).toEqual([0.75, 3.75, 1.5, 7.5])
    expect(priceOf('gemini-3.7-flash', new Date())).toBeNull()
  })

  it('warns about a reroute only when a fixed id answered as another model', () => {
    expect(rerouteWarning('gemini-3.5-flash', 'gemini-3.6-flash')).toMatch(/reroutes/)
    expect(rerouteWarning('gemini-3.8-flash', 'gemini-3.8-flash-001')).toBeNull()
    expect(rerouteWarning('gemini-flash-latest', 'gemini-3.8-flash')).toBeNull()
    expect(rerouteWarning('gemini-3.8-flash', undefined)).toBeNull()
  })
})
