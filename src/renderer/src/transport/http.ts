import { createHttpConsoleClient } from '../../../shared/http-client'
import type { Transport } from './transport'

/** The ConsoleApi over HTTP on the page's own origin; the token, if any, rides in a cookie. */
export function createHttpTransport(baseUrl = ''): Transport {
  const client = createHttpConsoleClient({ baseUrl })
  const { subscribe, upload, ...api } = client
  return {
    kind: 'http',
    api,
    subscribe,
    upload: (file, title) => upload(file, file.name, title),
    mediaUrl: (videoId, what) => `${baseUrl}/media/${videoId}/${what === 'video' ? 'video' : `keyframe/${what.keyframe}`}`
  }
}
