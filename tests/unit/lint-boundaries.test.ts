import { fileURLToPath } from 'node:url'
import { ESLint } from 'eslint'
import { beforeAll, describe, expect, it } from 'vitest'

// The layer rules of eslint.config.js, run on snippets placed (by file path) inside each layer:
// each forbidden import must be reported by no-restricted-imports, each permitted one must not.
const root = fileURLToPath(new URL('../..', import.meta.url))
let eslint: ESLint

beforeAll(() => {
  eslint = new ESLint({ cwd: root })
})

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = value\n`, { filePath })
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

const forbidden: Array<[layer: string, file: string, source: string, says: string]> = [
  ['shared', 'src/shared/fixture.ts', "import { value } from '../core/config'", 'src/shared imports nothing of the other layers'],
  ['shared', 'src/shared/fixture.ts', "import { value } from 'node:path'", 'src/shared imports zod only'],
  ['shared', 'src/shared/fixture.ts', "import { value } from 'react'", 'src/shared imports zod only'],
  ['core', 'src/core/pipeline/fixture.ts', "import { value } from '../../adapters/store/journal'", 'src/core imports only src/shared and itself'],
  ['core', 'src/core/fixture.ts', "import { value } from '../app/open-app'", 'src/core imports only src/shared and itself'],
  ['core', 'src/core/fixture.ts', "import { value } from '@aws-sdk/client-sqs'", 'src/core knows no vendor SDK'],
  ['adapters', 'src/adapters/analyzer/fixture.ts', "import { value } from '../../core/pipeline/failure'", "src/adapters import only core's ports and errors"],
  ['adapters', 'src/adapters/store/fixture.ts', "import { value } from '../../core/recorder'", "src/adapters import only core's ports and errors"],
  ['adapters', 'src/adapters/queue/fixture.ts', "import { value } from '../../app/open-app'", "src/adapters import only core's ports and errors, src/shared"],
  ['app', 'src/app/fixture.ts', "import { value } from '../server/index'", 'src/app composes core, adapters and shared'],
  ['app', 'src/app/fixture.ts', "import { value } from '../bridge/dispatch'", 'src/app composes core, adapters and shared'],
  ['bridge', 'src/bridge/fixture.ts', "import { value } from '../core/config'", 'src/bridge serves every bridge'],
  ['bridge', 'src/bridge/fixture.ts', "import { value } from '../server/index'", 'src/bridge serves every bridge'],
  ['server', 'src/server/fixture.ts', "import { value } from '../core/core-handle'", 'src/server is a bridge'],
  ['server', 'src/server/fixture.ts', "import { value } from '../main/security'", 'src/server is a bridge'],
  ['server', 'src/server/fixture.ts', "import { value } from '../adapters/queue/local'", 'src/server is a bridge'],
  ['main', 'src/main/fixture.ts', "import { value } from '../server/dispatch'", 'src/main is a bridge: of src/server it may start'],
  ['main', 'src/main/fixture.ts', "import { value } from '../server/index'", 'src/main is a bridge: of src/server it may start'],
  ['main', 'src/main/fixture.ts', "import { value } from '../cli/run-owner'", 'src/main is a bridge'],
  ['main', 'src/main/fixture.ts', "import { value } from '../core/event-bus'", 'src/main is a bridge'],
  ['preload', 'src/preload/fixture.ts', "import { value } from '../main/security'", 'src/preload is a bridge'],
  ['cli', 'src/cli/fixture.ts', "import { value } from '../core/config'", 'src/cli is a bridge'],
  ['cli', 'src/cli/fixture.ts', "import { value } from '../server/http-bridge'", 'src/cli is a bridge: of src/server it may start'],
  ['cli', 'src/cli/fixture.ts', "import { value } from '../main/window'", 'src/cli is a bridge'],
  ['cli', 'src/cli/fixture.ts', "import { value } from 'electron'", 'Only src/main and src/preload use Electron'],
  ['renderer', 'src/renderer/src/lib/fixture.ts', "import { value } from '../../../preload/api'", 'src/renderer imports src/shared only'],
  ['renderer', 'src/renderer/src/features/videos/fixture.tsx', "import { value } from '../../../../core/stats'", 'src/renderer imports src/shared only'],
  ['renderer', 'src/renderer/src/lib/fixture.ts', "import { value } from 'node:fs'", 'src/renderer runs in a page']
]

const permitted: Array<[layer: string, file: string, source: string]> = [
  ['shared', 'src/shared/fixture.ts', "import { value } from 'zod'"],
  ['shared', 'src/shared/fixture.ts', "import { value } from './video'"],
  ['core', 'src/core/pipeline/fixture.ts', "import { value } from '../../shared/video'"],
  ['core', 'src/core/pipeline/fixture.ts', "import { value } from '../ports'"],
  ['adapters', 'src/adapters/analyzer/local/fixture.ts', "import { value } from '../../../core/ports'"],
  ['adapters', 'src/adapters/store/fixture.ts', "import { value } from '../../core/errors'"],
  ['adapters', 'src/adapters/store/fixture.ts', "import { value } from '../../shared/video'"],
  ['adapters', 'src/adapters/store/fixture.ts', "import { value } from '@supabase/supabase-js'"],
  ['app', 'src/app/fixture.ts', "import { value } from '../adapters/store/journal'"],
  ['app', 'src/app/fixture.ts', "import { value } from '../core/create-core'"],
  ['bridge', 'src/bridge/fixture.ts', "import { value } from '../shared/console-api'"],
  ['server', 'src/server/fixture.ts', "import { value } from '../app/open-app'"],
  ['server', 'src/server/fixture.ts', "import { value } from '../bridge/dispatch'"],
  ['main', 'src/main/fixture.ts', "import { value } from 'electron'"],
  ['main', 'src/main/fixture.ts', "import { value } from '../bridge/csp'"],
  ['main', 'src/main/fixture.ts', "import { value } from '../server/owner-console'"],
  ['cli', 'src/cli/fixture.ts', "import { value } from '../server/owner-console'"],
  ['server', 'src/server/fixture.ts', "import { value } from './index'"],
  ['cli', 'src/cli/fixture.ts', "import { value } from '../shared/console-api'"],
  ['renderer', 'src/renderer/src/lib/fixture.ts', "import { value } from '../../../shared/video'"],
  ['renderer', 'src/renderer/src/features/videos/fixture.tsx', "import { value } from '../../lib/labels'"]
]

describe('layer boundaries in ESLint', () => {
  it.each(forbidden)('%s: %s refuses %s', async (_layer, file, source, says) => {
    const messages = await restricted(file, source)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(says)
  })

  it.each(permitted)('%s: %s permits %s', async (_layer, file, source) => {
    expect(await restricted(file, source)).toEqual([])
  })
})
