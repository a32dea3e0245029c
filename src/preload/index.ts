import { contextBridge, ipcRenderer, webUtils } from 'electron'
import { createPreloadApi } from './api'

// Sandboxed preload: bundled into one file, exposes the API on fixed channels and nothing else.
contextBridge.exposeInMainWorld(
  'api',
  createPreloadApi(ipcRenderer, (file) => webUtils.getPathForFile(file))
)
