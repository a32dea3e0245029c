import type { PreloadApi } from '../shared/preload-api'

declare global {
  interface Window {
    /** Present in Electron (the preload); absent in a browser, where the console uses HTTP. */
    api?: PreloadApi
  }
}

export {}
