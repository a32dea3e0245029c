import type { Video } from './video'
import { authHeaders, joinUrl, postForResult, type HttpConsoleClientOptions } from './http-rpc'

/** `POST` the raw file here (`?name=&title=`) to add a video from a browser, which cannot give a path. */
export const HTTP_UPLOAD_PATH = '/api/upload'

/** Sends a file's bytes to the server, which stores it under DATA_DIR/uploads and enqueues it. */
export type Upload = (file: Blob, name: string, title?: string) => Promise<Video>

export function createHttpUpload(options: HttpConsoleClientOptions): Upload {
  return async (file, name, title) => {
    const query = new URLSearchParams({ name, ...(title ? { title } : {}) })
    const headers = { 'Content-Type': 'application/octet-stream', ...authHeaders(options) }
    return (await postForResult(options, 'upload', `${joinUrl(options.baseUrl, HTTP_UPLOAD_PATH)}?${query}`, { headers, body: file })) as Video
  }
}
