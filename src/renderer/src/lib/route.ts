import { useCallback, useSyncExternalStore } from 'react'
import { isUuid } from '../../../shared/uuid'
import { DisplayStatus, FailureCause } from '../../../shared/video-status'
import { defaultView, RANGES, type ListView, type RangeKey, type SortKey } from './filter-videos'

/**
 * The console's address: `#/videos/<id>` for a video (`/compare` to compare its runs) and the
 * list's filter as query parameters, so a link can be shared, Back goes back and a reload keeps
 * the selection. In the hash: the server and Electron's protocol serve one page whatever it holds.
 */
export interface Route {
  videoId: string | null
  compare: boolean
  view: ListView
}

const SORTS: SortKey[] = ['createdAt', 'updatedAt', 'title', 'processingStatus', 'attempts']

function list<T extends string>(value: string | null, allowed: readonly T[]): T[] {
  if (!value) return []
  return value.split(',').filter((v): v is T => (allowed as readonly string[]).includes(v))
}

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#/, '')
  const [path = '', query = ''] = text.split('?', 2)
  const parts = path.split('/').filter(Boolean)
  const videoId = parts[0] === 'videos' && parts[1] && isUuid(parts[1]) ? parts[1].toLowerCase() : null
  const params = new URLSearchParams(query)
  const sort = params.get('sort') as SortKey | null
  const range = params.get('range') as RangeKey | null
  const analyzer = params.get('analyzer')
  return {
    videoId,
    compare: videoId !== null && parts[2] === 'compare',
    view: {
      display: list(params.get('status'), DisplayStatus.options),
      causes: list(params.get('cause'), FailureCause.options),
      analyzer: analyzer === 'gemini' || analyzer === 'local' ? analyzer : null,
      range: range && range in RANGES ? range : null,
      search: params.get('q') ?? '',
      sort: sort && SORTS.includes(sort) ? sort : defaultView.sort,
      order: params.get('order') === 'asc' ? 'asc' : params.get('order') === 'desc' ? 'desc' : defaultView.order
    }
  }
}

export function formatRoute(route: Route): string {
  const { view } = route
  const params = new URLSearchParams()
  if (view.display.length > 0) params.set('status', view.display.join(','))
  if (view.causes.length > 0) params.set('cause', view.causes.join(','))
  if (view.analyzer) params.set('analyzer', view.analyzer)
  if (view.range) params.set('range', view.range)
  if (view.search) params.set('q', view.search)
  if (view.sort !== defaultView.sort) params.set('sort', view.sort)
  if (view.order !== defaultView.order) params.set('order', view.order)
  const path = route.videoId ? `/videos/${route.videoId}${route.compare ? '/compare' : ''}` : '/'
  const query = params.toString()
  return `#${path}${query ? `?${query.replace(/%2C/g, ',')}` : ''}`
}

const subscribe = (listener: () => void) => {
  window.addEventListener('hashchange', listener)
  window.addEventListener('popstate', listener)
  return () => {
    window.removeEventListener('hashchange', listener)
    window.removeEventListener('popstate', listener)
  }
}

let cached: { hash: string; route: Route } | null = null
function current(): Route {
  if (cached?.hash !== location.hash) cached = { hash: location.hash, route: parseRoute(location.hash) }
  return cached.route
}

/**
 * The route and a way to change it: a new entry in the history (Back returns) unless `replace`
 * (typing in the search box should not leave one entry per key).
 */
export function useRoute(): [Route, (next: Route, opts?: { replace?: boolean }) => void] {
  const route = useSyncExternalStore(subscribe, current)
  const navigate = useCallback((next: Route, opts: { replace?: boolean } = {}) => {
    const hash = formatRoute(next)
    if (hash === location.hash || (hash === '#/' && location.hash === '')) return
    history[opts.replace ? 'replaceState' : 'pushState'](null, '', `${location.pathname}${location.search}${hash}`)
    window.dispatchEvent(new PopStateEvent('popstate'))
  }, [])
  return [route, navigate]
}
