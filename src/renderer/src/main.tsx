import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { TransportContext } from './api/transport-context'
import { createIpcTransport } from './transport/ipc'
import { createHttpTransport } from './transport/http'
import { App } from './App'
import { ShutdownBanner } from './features/shell/ShutdownBanner'
import './styles.css'

// The server keeps a ?token= in a cookie; drop it from the address bar (and from history).
if (new URLSearchParams(location.search).has('token')) history.replaceState(null, '', location.pathname + location.hash)

// Electron's preload gives window.api; a browser talks to `serve` over HTTP on its own origin.
const transport = window.api ? createIpcTransport(window.api) : createHttpTransport('')

const client = new QueryClient({
  defaultOptions: {
    queries: {
      // Events keep the cache current; refetch on focus/reconnect stays as a safety net.
      staleTime: 60_000,
      retry: 2,
      retryDelay: (attempt) => Math.min(4000, 500 * 2 ** attempt)
    }
  }
})

const root = document.getElementById('root')
if (!root) throw new Error('index.html lacks #root')
createRoot(root).render(
  <StrictMode>
    <TransportContext.Provider value={transport}>
      <QueryClientProvider client={client}>
        <App />
        {window.api ? <ShutdownBanner subscribe={window.api.onShutdown} /> : null}
      </QueryClientProvider>
    </TransportContext.Provider>
  </StrictMode>
)
