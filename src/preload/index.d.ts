import type { PreloadApi } from './api'

declare global {
  interface Window {
    /** Present in Electron (the preload); absent in a browser, where the console uses HTTP. */
    api?: PreloadApi
  }
}

export {}
