import type { IncomingMessage, ServerResponse } from 'node:http'

/** A browser asking for a page (not the API, an event stream or media). */
export function wantsPage(req: IncomingMessage, pathname: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false
  if (pathname.startsWith('/api/') || pathname.startsWith('/media/')) return false
  return /\btext\/html\b/.test(req.headers.accept ?? '')
}

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Video processor: open the console with its token</title></head>
<body>
<h1>This console needs its access token</h1>
<p>The console can read video files on this machine, so it only opens with the token it was started with.</p>
<ul>
<li>The terminal running <code>video-processor serve</code> printed a ready-to-open address ending in <code>/?token=…</code>: open that one (it is also the address <code>npm start</code> opens).</li>
<li>Otherwise the token is <code>CONSOLE_TOKEN</code> when it is set, else the one kept in <code>DATA_DIR/console-token</code> (readable only by the user who runs the server). Open this address with <code>?token=</code> and the token added once; the page keeps it in a cookie.</li>
</ul>
</body>
</html>
`

/** Explains where the token is instead of answering a person with raw JSON. */
export function sendTokenPage(res: ServerResponse, headOnly: boolean): void {
  res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(headOnly ? undefined : PAGE)
}
