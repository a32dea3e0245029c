import { chmod, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loginShellPath } from '../../src/main/login-shell-path'
import { tempDir } from '../support/media'

// Stand-ins for a user's login shell: `$SHELL -ilc <script>` runs the script with the PATH the
// profile sets up (and a greeting printed first, as some profiles do).
let temp: { dir: string; cleanup: () => Promise<void> }
const shell = async (name: string, body: string) => {
  const file = path.join(temp.dir, name)
  await writeFile(file, `#!/bin/sh\n${body}\n`)
  await chmod(file, 0o755)
  return file
}

beforeAll(async () => {
  temp = await tempDir('vp-login-shell-')
})
afterAll(() => temp?.cleanup())

describe('the login shell PATH of a macOS app started from the Dock', () => {
  it('adds the profile’s directories after the inherited ones, once each', async () => {
    const zsh = await shell('zsh', 'echo "Welcome back!"\nPATH=/opt/homebrew/bin:/usr/local/bin:/usr/bin:/bin\nexport PATH\nexec /bin/sh -c "$2"')
    expect(await loginShellPath({ PATH: '/usr/bin:/bin:/usr/sbin', SHELL: zsh })).toBe('/usr/bin:/bin:/usr/sbin:/opt/homebrew/bin:/usr/local/bin')
  })

  it('keeps PATH as it was when the shell fails or hangs', async () => {
    const broken = await shell('broken', 'exit 3')
    expect(await loginShellPath({ PATH: '/usr/bin:/bin', SHELL: broken })).toBe('/usr/bin:/bin')
    const slow = await shell('slow', 'exec sleep 30')
    expect(await loginShellPath({ PATH: '/usr/bin:/bin', SHELL: slow }, 200)).toBe('/usr/bin:/bin')
  })
})
