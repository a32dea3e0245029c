import { timingSafeEqual } from 'node:crypto'
import { isIP } from 'node:net'
import { hostname, networkInterfaces } from 'node:os'
import type { IncomingMessage } from 'node:http'

/** Security settings of the headless console, resolved once at start. */
export interface GuardOptions {
  host: string
  token?: string
  /** Extra host names (without port) the Host header may carry, e.g. a DNS name of this machine. */
  allowedHosts?: string[]
}

export const TOKEN_COOKIE = 'vp_console_token'
export const MAX_BODY_BYTES = 64 * 1024

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase()
  if (h === 'localhost' || h === '::1') return true
  return isIP(h) === 4 && h.startsWith('127.')
}

/** A token guessable enough to be brute-forced over a network is no protection there. */
export const MIN_NETWORK_TOKEN_LENGTH = 16

/** Throws when the settings would expose the console without protection. */
export function assertSafeBind(options: GuardOptions): void {
  if (!isLoopbackHost(options.host) && (options.token ?? '').length < MIN_NETWORK_TOKEN_LENGTH) {
    throw new Error(
      `Refusing to serve the console on ${options.host} without a token of at least ${MIN_NETWORK_TOKEN_LENGTH} characters: anyone on the network could steer the worker and read local videos. ` +
        'Set --token (or CONSOLE_TOKEN) to a long random value (e.g. openssl rand -base64 24), or bind 127.0.0.1.'
    )
  }
}

function hostnameOf(hostHeader: string): string {
  // `[::1]:8080`, `localhost:8080`, `example`; the port does not matter for rebinding.
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader)
  if (bracket?.[1]) return bracket[1].toLowerCase()
  return hostHeader.replace(/:\d+$/, '').toLowerCase()
}

/** Host names a request may be addressed to: loopback names, the bound address and configured extras. */
export function allowedHostnames(options: GuardOptions): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1'])
  const bound = options.host.replace(/^\[|\]$/g, '').toLowerCase()
  if (bound !== '0.0.0.0' && bound !== '::') names.add(bound)
  else {
    // Bound to every interface (a token is then required): the machine's own addresses and
    // name are how others reach it; any other name is still refused.
    for (const list of Object.values(networkInterfaces())) for (const nic of list ?? []) names.add(nic.address.toLowerCase())
    const own = hostname().toLowerCase()
    names.add(own)
    names.add(`${own}.local`)
  }
  for (const extra of options.allowedHosts ?? []) names.add(extra.toLowerCase())
  return names
}

/** DNS rebinding defence: a page on evil.example resolved to 127.0.0.1 still sends `Host: evil.example`. */
export function isAllowedHost(hostHeader: string | undefined, allowed: Set<string>): boolean {
  if (!hostHeader) return false
  return allowed.has(hostnameOf(hostHeader))
}

/**
 * A write must come from our own page (same host) or from a non-browser client (no Origin).
 * Browsers always send Origin on a cross-site POST, so a foreign page cannot pass.
 */
export function isAllowedOrigin(origin: string | undefined, hostHeader: string | undefined, allowed: Set<string>): boolean {
  if (origin === undefined) return true
  if (origin === 'null') return false
  let url: URL
  try {
    url = new URL(origin)
  } catch {
    return false
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
  if (!allowed.has(url.hostname.replace(/^\[|\]$/g, '').toLowerCase())) return false
  // Same host and port as the request: another local app on another port is still foreign.
  return hostHeader !== undefined && url.host.toLowerCase() === hostHeader.toLowerCase()
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return decodeURIComponent(rest.join('='))
  }
  return undefined
}

/** Where a request carried the token, if it did: EventSource and page loads cannot set headers. */
export function presentedToken(req: IncomingMessage, url: URL): { token: string; via: 'header' | 'query' | 'cookie' } | undefined {
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'header' }
  const query = url.searchParams.get('token')
  if (query) return { token: query, via: 'query' }
  const cookie = cookieValue(req.headers.cookie, TOKEN_COOKIE)
  if (cookie) return { token: cookie, via: 'cookie' }
  return undefined
}

export function isAuthorized(expected: string | undefined, presented: string | undefined): boolean {
  if (!expected) return true
  return presented !== undefined && safeEqual(presented, expected)
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`
}
