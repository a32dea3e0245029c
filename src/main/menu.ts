import type { MenuItemConstructorOptions } from 'electron'

/**
 * The packaged app's menu: Electron's default one without its developer entries (Toggle
 * Developer Tools, Reload), which a packaged build must not offer. Edit keeps copy and paste.
 */
export function applicationMenu(platform: NodeJS.Platform): MenuItemConstructorOptions[] {
  return [
    ...(platform === 'darwin' ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }]
    },
    { role: 'windowMenu' }
  ]
}
