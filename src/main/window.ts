import { BrowserWindow, nativeTheme } from 'electron'

/**
 * The console window: isolated, sandboxed, no Node in the page, nothing but the preload's API.
 * `devTools: false` in packaged builds: no menu entry, shortcut or call can open them.
 */
export function createMainWindow(preload: string, opts: { devTools: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    width: 1360,
    height: 880,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Video processor',
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#111318' : '#f6f7f9',
    autoHideMenuBar: true,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      spellcheck: false,
      devTools: opts.devTools
    }
  })
  win.once('ready-to-show', () => win.show())
  return win
}
