/**
 * What the packaged app would contain (electron-builder.yml's files and asarUnpack rules, packed
 * with @electron/asar) against what the built main bundle reads, imports and spawns at run time.
 */
import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { unpackedPath } from '../../src/adapters/analyzer/ffmpeg-path'
import { ROOT } from '../support/electron-main'
import { builderConfig, layoutPackage, productionPackages, type Layout } from '../support/package-layout'
import { tempDir } from '../support/media'

let temp: { dir: string; cleanup: () => Promise<void> }
let layout: Layout
const bundleFiles = () =>
  readdirSync(path.join(ROOT, 'out/main'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => `out/main/${file.split(path.sep).join('/')}`)
const source = (file: string) => readFileSync(path.join(ROOT, file), 'utf8')

beforeAll(async () => {
  // What electron-builder runs before copying the files.
  const hook = builderConfig(ROOT).beforePack
  if (hook) await (createRequire(import.meta.url)(path.join(ROOT, hook)) as (context: unknown) => Promise<void>)({ packager: { projectDir: ROOT } })
  temp = await tempDir('vp-packaging-')
  layout = await layoutPackage(ROOT, temp.dir)
}, 300_000)
afterAll(() => temp?.cleanup())

describe('the packaged app', () => {
  it('holds the entry point, every chunk, the preload and the renderer', () => {
    const main = (JSON.parse(source('package.json')) as { main: string }).main
    expect(layout.has(main)).toBe(true)
    for (const file of bundleFiles()) expect(layout.has(file), file).toBe(true)
    expect(layout.has('out/preload/index.cjs')).toBe(true)
    expect(layout.has('out/renderer/index.html')).toBe(true)
    for (const asset of readdirSync(path.join(ROOT, 'out/renderer/assets'))) expect(layout.has(`out/renderer/assets/${asset}`), asset).toBe(true)
  })

  it('holds every file the bundle finds next to its own code', () => {
    // new URL('./x', import.meta.url) and join(import.meta.dirname, 'x'): paths relative to the chunk.
    const relative = /new URL\("(\.{1,2}\/[^"]+)", import\.meta\.url\)|join\(import\.meta\.dirname, "([^"]+)"\)/g
    const found: string[] = []
    for (const file of bundleFiles()) {
      for (const match of source(file).matchAll(relative)) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] ?? match[2] ?? ''))
        found.push(target)
        const isDir = !path.posix.extname(target)
        const present = isDir ? [...layout.entries].some((entry) => entry.startsWith(`${target}/`)) : layout.has(target)
        expect(present, `${file} reads ${target}`).toBe(true)
      }
    }
    expect(found).toContain('out/renderer')
  })

  it('holds the migrations, found above the bundle as the app looks for them', () => {
    const migrations = readdirSync(path.join(ROOT, 'supabase/migrations')).filter((f) => f.endsWith('.sql'))
    expect(migrations.length).toBeGreaterThan(0)
    for (const file of migrations) expect(layout.has(`supabase/migrations/${file}`), file).toBe(true)
  })

  it('holds every package the bundle imports, with its entry file and its own dependencies', () => {
    const imported = new Set<string>()
    for (const file of bundleFiles()) {
      for (const match of source(file).matchAll(/(?:from |import\()"((?:@[^/"]+\/)?[^/".][^/"]*)(?:\/[^"]*)?"/g)) {
        const name = match[1] ?? ''
        if (!name.startsWith('node:') && name !== 'electron') imported.add(name)
      }
    }
    expect(imported.size).toBeGreaterThan(5)
    for (const name of imported) expect(layout.has(`node_modules/${name}/package.json`), name).toBe(true)
    const lock = JSON.parse(source('package-lock.json')) as { packages: Record<string, { dependencies?: Record<string, string> }> }
    for (const pkg of productionPackages(ROOT)) {
      const manifest = JSON.parse(source(`${pkg}/package.json`)) as { main?: string; exports?: unknown }
      if (manifest.main && !manifest.exports) {
        const entry = path.posix.normalize(`${pkg}/${manifest.main}`)
        const candidates = [entry, `${entry}.js`, `${entry}/index.js`]
        expect(candidates.some((c) => layout.has(c)), `${pkg} entry ${manifest.main}`).toBe(true)
      }
      for (const dep of Object.keys(lock.packages[pkg]?.dependencies ?? {})) {
        // Node's lookup: the package's own node_modules, then each parent's.
        const parts = pkg.split('/node_modules/')
        const candidates = parts.map((_, i) => `${parts.slice(0, parts.length - i).join('/node_modules/')}/node_modules/${dep}/package.json`)
        candidates.push(`node_modules/${dep}/package.json`)
        expect(candidates.some((c) => layout.has(c)), `${pkg} needs ${dep}`).toBe(true)
      }
    }
  })

  it('spawns ffmpeg and ffprobe from app.asar.unpacked, executable', () => {
    const platform = `${process.platform}-${process.arch}`
    for (const [scope, name] of [['@ffmpeg-installer', 'ffmpeg'], ['@ffprobe-installer', 'ffprobe']] as const) {
      const binary = `${name}${process.platform === 'win32' ? '.exe' : ''}`
      // What the installer package reports inside the archive, mapped as ffmpeg-path.ts maps it.
      const reported = path.join(layout.asar, 'node_modules', scope, platform, binary)
      const spawned = unpackedPath(reported)
      expect(spawned).toBe(path.join(layout.unpacked, 'node_modules', scope, platform, binary))
      expect(existsSync(spawned), spawned).toBe(true)
      expect(() => accessSync(spawned, constants.X_OK), `${spawned} is not executable`).not.toThrow()
    }
  })

  it('keeps the files read outside the archive-aware fs unpacked: PGlite, tesseract', () => {
    const pglite = readdirSync(path.join(ROOT, 'node_modules/@electric-sql/pglite/dist')).filter((f) => /\.(wasm|data)$/.test(f))
    expect(pglite.length).toBeGreaterThan(0)
    for (const file of pglite) expect(layout.unpackedFile(`node_modules/@electric-sql/pglite/dist/${file}`), file).not.toBeNull()
    expect(layout.unpackedFile('node_modules/@tesseract.js-data/eng/4.0.0_best_int/eng.traineddata.gz')).not.toBeNull()
    expect(layout.unpackedFile('node_modules/tesseract.js/src/worker-script/node/index.js')).not.toBeNull()
  })
})
