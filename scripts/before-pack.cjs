/* eslint-disable @typescript-eslint/no-require-imports -- electron-builder loads this hook with require() */
// electron-builder `beforePack` hook: the ffmpeg/ffprobe installer packages mark their binary
// executable in an install script, which ignore-scripts=true skips; a packaged app must not
// depend on chmod at run time (an AppImage or a signed macOS bundle is read-only).
const { chmodSync, existsSync, readdirSync } = require('node:fs')
const { join } = require('node:path')

/** Marks every installer binary under `root`/node_modules executable; returns the files changed. */
function markInstallerBinariesExecutable(root) {
  const changed = []
  for (const scope of ['@ffmpeg-installer', '@ffprobe-installer']) {
    const dir = join(root, 'node_modules', scope)
    if (!existsSync(dir)) continue
    for (const pkg of readdirSync(dir)) {
      for (const name of ['ffmpeg', 'ffprobe', 'ffmpeg.exe', 'ffprobe.exe']) {
        const file = join(dir, pkg, name)
        if (!existsSync(file)) continue
        chmodSync(file, 0o755)
        changed.push(file)
      }
    }
  }
  return changed
}

module.exports = async function beforePack(context) {
  markInstallerBinariesExecutable(context?.packager?.projectDir ?? join(__dirname, '..'))
}
module.exports.markInstallerBinariesExecutable = markInstallerBinariesExecutable
