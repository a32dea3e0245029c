import net, { type Socket } from 'node:net'

/**
 * What the proxy does with connections:
 * - `pass`: forwards both ways;
 * - `refuse`: stops listening (new connections get ECONNREFUSED) and cuts the open ones;
 * - `blackhole`: a path that drops every packet while it lasts: connections are accepted but
 *   nothing gets through, either way, on new or open ones. TCP retransmits, so when the path
 *   comes back (`pass`) what was sent meanwhile arrives, as it does after a real outage shorter
 *   than TCP's give-up time; a side that gave up by then has closed its connection;
 * - `reset`: answers every new connection and every open one with a TCP reset (ECONNRESET).
 */
export type ProxyMode = 'pass' | 'refuse' | 'blackhole' | 'reset'

export interface TcpProxy {
  readonly port: number
  /** `http://127.0.0.1:<port>`. */
  readonly url: string
  readonly mode: ProxyMode
  set(mode: ProxyMode): Promise<void>
  /** Sets `mode` for `ms`, then back to `pass`. */
  blip(mode: Exclude<ProxyMode, 'pass'>, ms: number): Promise<void>
  /** Connections accepted so far. */
  readonly connections: number
  close(): Promise<void>
}

interface Pair {
  client: Socket
  upstream: Socket | null
  /** Bytes held while the path is down, delivered in order when it comes back. */
  held: { toUpstream: Buffer[]; toClient: Buffer[] } | null
}

/** A TCP proxy on 127.0.0.1 (port 0) in front of `target`, whose faults a test switches on command. */
export async function startTcpProxy(target: { host?: string; port: number }): Promise<TcpProxy> {
  const host = target.host ?? '127.0.0.1'
  let mode: ProxyMode = 'pass'
  let accepted = 0
  const pairs = new Set<Pair>()

  const end = (pair: Pair) => {
    pair.client.destroy()
    pair.upstream?.destroy()
    pairs.delete(pair)
  }
  const reset = (pair: Pair) => {
    pair.client.resetAndDestroy()
    pair.upstream?.destroy()
    pairs.delete(pair)
  }

  const connectUpstream = (pair: Pair) => {
    const upstream = net.connect({ host, port: target.port })
    pair.upstream = upstream
    upstream.on('error', () => end(pair))
    upstream.on('close', () => end(pair))
    upstream.on('data', (d: Buffer) => {
      if (pair.held) pair.held.toClient.push(d)
      else pair.client.write(d)
    })
  }
  /** The path is back: what each side sent meanwhile goes through, in order. */
  const deliver = (pair: Pair) => {
    const held = pair.held
    if (!held) return
    pair.held = null
    if (!pair.upstream) connectUpstream(pair)
    for (const d of held.toUpstream) pair.upstream!.write(d)
    for (const d of held.toClient) pair.client.write(d)
  }

  const server = net.createServer((client) => {
    accepted += 1
    const pair: Pair = { client, upstream: null, held: null }
    pairs.add(pair)
    client.on('error', () => end(pair))
    client.on('close', () => end(pair))
    if (mode === 'reset') return reset(pair)
    client.on('data', (d: Buffer) => {
      if (pair.held) pair.held.toUpstream.push(d)
      else pair.upstream?.write(d)
    })
    // The path is down: the connection waits (as a retransmitted SYN would) until it comes back.
    if (mode === 'blackhole') pair.held = { toUpstream: [], toClient: [] }
    else connectUpstream(pair)
  })
  server.on('error', () => undefined)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  let listening = true

  const listen = async () => {
    if (listening) return
    // The port was ours a moment ago; another process taking it in between would be a rare clash.
    for (let tries = 0; ; tries++) {
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject)
          server.listen(port, '127.0.0.1', () => {
            server.off('error', reject)
            resolve()
          })
        })
        listening = true
        return
      } catch (error) {
        if (tries > 50) throw error
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  }
  const unlisten = async () => {
    if (!listening) return
    listening = false
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  const proxy: TcpProxy = {
    port,
    url: `http://127.0.0.1:${port}`,
    get mode() {
      return mode
    },
    get connections() {
      return accepted
    },
    async set(next) {
      mode = next
      if (next === 'refuse') {
        const closing = unlisten()
        for (const p of [...pairs]) end(p)
        await closing
        return
      }
      await listen()
      if (next === 'reset') for (const p of [...pairs]) reset(p)
      if (next === 'blackhole') for (const p of pairs) p.held ??= { toUpstream: [], toClient: [] }
      if (next === 'pass') for (const p of pairs) deliver(p)
    },
    async blip(kind, ms) {
      await proxy.set(kind)
      await new Promise((r) => setTimeout(r, ms))
      await proxy.set('pass')
    },
    async close() {
      mode = 'refuse'
      for (const p of [...pairs]) end(p)
      await unlisten()
    }
  }
  return proxy
}
