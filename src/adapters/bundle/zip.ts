import { zipSync, type Zippable } from 'fflate'
import type { Archiver } from '../../core/debug-ports'

// JPEGs and zips do not shrink: store them, deflate the text.
const STORED = /\.(jpe?g|png|webp|zip|mp4)$/i

/** Debug bundles as zip files (fflate: no native code, works the same in Electron and Node). */
export function createZipArchiver(): Archiver {
  return {
    zip(files) {
      const entries: Zippable = {}
      for (const [name, bytes] of Object.entries(files)) entries[name] = [bytes, { level: STORED.test(name) ? 0 : 6 }]
      return zipSync(entries, { mtime: new Date() })
    }
  }
}
