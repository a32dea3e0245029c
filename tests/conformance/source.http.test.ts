import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createHttpSource } from '../../src/adapters/source/http'
import { sourceConformance } from './source-suite'

// http(s) URLs: the real fetch against a node:http server on 127.0.0.1, port 0.
sourceConformance(
  'http (node:http on 127.0.0.1)',
  async () => {
    const objects = new Map<string, Buffer>()
    const server: Server = createServer((req, res) => {
      const body = objects.get(req.url ?? '')
      if (!body) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
        return
      }
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(body.length) })
      res.end(body)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    // The name goes into one path segment, `..` and all, so the URL parser keeps it.
    const path = (name: string) => `/media/${encodeURIComponent(name)}`
    return {
      source: createHttpSource(),
      async put(name, bytes) {
        objects.set(path(name), bytes)
        return { kind: 'http', url: `${base}${path(name)}` }
      },
      missing: (name) => ({ source: { kind: 'http', url: `${base}${path(name)}` }, location: `${base}${path(name)}` }),
      cleanup: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections()
          server.close(() => resolve())
        })
    }
  },
  { downloads: true }
)
