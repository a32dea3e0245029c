const ID = /^[A-Za-z0-9_-]{11}$/

/**
 * The canonical `https://www.youtube.com/watch?v=ID` form Gemini documents, from watch, short,
 * embed, live and youtu.be links; null when the URL is not a YouTube video.
 */
export function youtubeWatchUrl(raw: string): string | null {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return null
  }
  const host = url.hostname.replace(/^(www\.|m\.|music\.)/, '')
  let id: string | null = null
  if (host === 'youtu.be') id = url.pathname.slice(1).split('/')[0] ?? null
  else if (host === 'youtube.com' || host === 'youtube-nocookie.com') {
    id = url.searchParams.get('v') ?? url.pathname.match(/^\/(?:shorts|embed|live|v)\/([^/?#]+)/)?.[1] ?? null
  }
  return id && ID.test(id) ? `https://www.youtube.com/watch?v=${id}` : null
}
