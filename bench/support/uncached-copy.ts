import { cp, mkdir, mkdtemp, readdir, rm, symlink } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/**
 * The app as a fresh install sees it, for timing a first start: the app's own files copied to
 * a new folder, and a `node_modules` there that links every installed package but holds no
 * `.cache`. So the migrated database snapshot the app keeps in `node_modules/.cache` (written
 * on the first start, read by every later one) is missing, as on a packaged app's first start,
 * and the copy's first start writes it where no other run reads it.
 */
export interface UncachedCopy {
  root: string
  bin: string
  remove(): Promise<void>
}

const COPIED = ['bin', 'src', 'supabase', 'package.json', 'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json']

export async function makeUncachedCopy(repoRoot: string): Promise<UncachedCopy> {
  const root = await mkdtemp(join(tmpdir(), 'vp-bench-fresh-'))
  try {
    for (const entry of COPIED) {
      const from = join(repoRoot, entry)
      if (existsSync(from)) await cp(from, join(root, entry), { recursive: true })
    }
    // The built renderer is static files, read not imported: a link does not bring a cache along.
    if (existsSync(join(repoRoot, 'out'))) await symlink(join(repoRoot, 'out'), join(root, 'out'), 'dir')
    const modules = join(root, 'node_modules')
    await mkdir(modules)
    for (const name of await readdir(join(repoRoot, 'node_modules'))) {
      if (name === '.cache') continue
      await symlink(join(repoRoot, 'node_modules', name), join(modules, name))
    }
    return { root, bin: join(root, 'bin', 'video-processor.js'), remove: () => rm(root, { recursive: true, force: true }) }
  } catch (error) {
    await rm(root, { recursive: true, force: true })
    throw error
  }
}
