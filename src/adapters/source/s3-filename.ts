import { extname, resolve, sep } from 'node:path'

/**
 * A local file name for an S3 key that can only ever name a file directly inside the job
 * directory: the last key segment (either slash), with anything but letters, digits, `.`, `-`
 * and `_` replaced, no leading dots, bounded length, and the extension kept for ffprobe.
 */
export function safeFileName(key: string): string {
  const last = key.split(/[/\\]/).filter((s) => s.length > 0).pop() ?? ''
  // NFKC folds look-alike dots and slashes (full-width, etc.) before the filter.
  const cleaned = last.normalize('NFKC').replace(/[^\w.-]/g, '_').replace(/^[.]+/, '')
  const ext = extname(cleaned).slice(0, 10)
  const stem = cleaned.slice(0, cleaned.length - ext.length).slice(0, 100)
  const name = `${stem}${ext}`
  return /^[_.-]*$/.test(stem) ? `video${ext}` : name
}

/** Joins a safe name to `dir` and proves the result is inside it (defence in depth). */
export function pathInside(dir: string, name: string): string {
  const root = resolve(dir)
  const full = resolve(root, name)
  if (!full.startsWith(root + sep)) throw new Error(`refusing to write ${JSON.stringify(name)} outside ${root}`)
  return full
}
