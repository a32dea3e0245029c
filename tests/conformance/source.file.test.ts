import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFileSource } from '../../src/adapters/source/file'
import { sourceConformance } from './source-suite'

// Local files: the operator's own file is used where it is, so nothing is downloaded.
sourceConformance(
  'file',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vp-file-source-'))
    // A path cannot carry `..` into another file's name: the stored name is flattened.
    const local = (name: string) => join(dir, name.replace(/[/\\]/g, '_'))
    return {
      source: createFileSource(),
      async put(name, bytes) {
        await writeFile(local(name), bytes)
        return { kind: 'file', path: local(name) }
      },
      missing: (name) => ({ source: { kind: 'file', path: local(name) }, location: local(name) }),
      cleanup: () => rm(dir, { recursive: true, force: true })
    }
  },
  { downloads: false }
)
