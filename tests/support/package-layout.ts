/**
 * Lays out what electron-builder would ship, from electron-builder.yml: the project files its
 * `files` rules select, the production dependencies (with the same exclusions), packed into
 * app.asar with @electron/asar, and the `asarUnpack` matches next to it in app.asar.unpacked.
 * Packaging itself needs the Electron download; this is the part that decides which files exist.
 */
import { createPackageFromFiles, listPackage } from '@electron/asar'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { minimatch } from 'minimatch'
import { parse } from 'yaml'

interface BuilderConfig {
  files: string[]
  asarUnpack: string[]
  beforePack?: string
  [platform: string]: unknown
}

export interface Layout {
  /** The archive (Electron's `process.resourcesPath/app.asar`). */
  asar: string
  unpacked: string
  /** Every path inside the archive, relative with forward slashes (unpacked ones included). */
  entries: Set<string>
  /** Whether `relative` exists in the shipped app (inside the archive or unpacked). */
  has(relative: string): boolean
  /** The real file of an unpacked entry, or null when it is packed (or absent). */
  unpackedFile(relative: string): string | null
}

const PLATFORM_KEY: Partial<Record<NodeJS.Platform, string>> = { darwin: 'mac', win32: 'win', linux: 'linux' }

export function builderConfig(root: string): BuilderConfig {
  return parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig
}

/** electron-builder's rule order: a later matching pattern wins over an earlier one. */
function selected(relative: string, patterns: string[], byDefault: boolean): boolean {
  let keep = byDefault
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!')
    if (minimatch(relative, negated ? pattern.slice(1) : pattern, { dot: true })) keep = !negated
  }
  return keep
}

function walk(dir: string, root: string, skip: (relative: string) => boolean, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    const relative = path.relative(root, full).split(path.sep).join('/')
    if (skip(relative)) continue
    if (entry.isDirectory()) walk(full, root, skip, out)
    else if (entry.isFile()) out.push(relative)
  }
}

/** The production packages of the lock file that are installed (optional ones of other platforms are not). */
export function productionPackages(root: string): string[] {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> }
  return Object.entries(lock.packages)
    .filter(([key, meta]) => key !== '' && !meta.dev && !meta.devOptional && existsSync(path.join(root, key, 'package.json')))
    .map(([key]) => key)
}

export async function layoutPackage(root: string, outDir: string, platform: NodeJS.Platform = process.platform): Promise<Layout> {
  const config = builderConfig(root)
  const platformFiles = ((config[PLATFORM_KEY[platform] ?? ''] as { files?: string[] } | undefined)?.files ?? [])
  const patterns = [...config.files, ...platformFiles]
  const exclusions = patterns.filter((p) => p.startsWith('!'))
  const files: string[] = []
  // The project's own files: only what `files` selects.
  walk(root, root, (relative) => relative === 'node_modules' || relative === '.git' || relative === path.relative(root, outDir), files)
  const own = files.filter((relative) => selected(relative, patterns, false))
  // Production dependencies are always shipped, minus the exclusions.
  const deps: string[] = []
  for (const pkg of productionPackages(root)) {
    walk(path.join(root, pkg), root, (relative) => relative.endsWith('/node_modules'), deps)
  }
  const shipped = [...own, ...deps.filter((relative) => selected(relative, exclusions, true))]

  const asar = path.join(outDir, 'app.asar')
  const absolute = shipped.map((relative) => path.join(root, relative))
  const metadata = Object.fromEntries(absolute.map((file) => [file, { type: 'file' as const, stat: statSync(file) }]))
  // @electron/asar matches its `unpack` glob against absolute file names.
  const unpackGlob = `${minimatch.escape(root.split(path.sep).join('/'))}/{${config.asarUnpack.join(',')}}`
  await createPackageFromFiles(root, asar, absolute, metadata, { unpack: unpackGlob })
  const entries = new Set(listPackage(asar, { isPack: false }).map((entry) => entry.replace(/^[\\/]/, '').split(path.sep).join('/')))
  const unpacked = `${asar}.unpacked`
  return {
    asar,
    unpacked,
    entries,
    has: (relative) => entries.has(relative),
    unpackedFile: (relative) => {
      const file = path.join(unpacked, relative)
      return existsSync(file) ? file : null
    }
  }
}
