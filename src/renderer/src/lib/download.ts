import type { DebugBundle } from '../../../shared/debugging'

/** Saves a debug bundle through the browser's download (Electron: its download handler). */
export function downloadBundle(bundle: DebugBundle): void {
  const binary = atob(bundle.base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }))
  const link = document.createElement('a')
  link.href = url
  link.download = bundle.fileName
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 30_000)
}
