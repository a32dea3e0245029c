import { execFile } from 'node:child_process'
import { delimiter } from 'node:path'

/**
 * The PATH a login shell sets up (Homebrew's /opt/homebrew/bin, /usr/local/bin, MacPorts…),
 * merged after the one the app was started with. An app opened from the Dock or Finder gets
 * launchd's minimal PATH, so a system ffmpeg would otherwise not be found. Never throws: a
 * broken or slow shell (5 s) leaves PATH as it was.
 */
export async function loginShellPath(env: NodeJS.ProcessEnv, timeoutMs = 5000): Promise<string> {
  const current = env['PATH'] ?? ''
  const shell = env['SHELL'] || '/bin/zsh'
  // Markers around the value: a login shell's profile may print banners of its own.
  const script = 'printf "__VP_PATH__%s__VP_PATH__" "$PATH"'
  const output = await new Promise<string>((resolve) => {
    execFile(shell, ['-ilc', script], { timeout: timeoutMs, env: { ...env, TERM: 'dumb' } }, (error, stdout) => resolve(error ? '' : stdout))
  })
  const found = /__VP_PATH__(.*?)__VP_PATH__/s.exec(output)?.[1]
  if (!found) return current
  const seen = new Set<string>()
  return [...current.split(delimiter), ...found.split(delimiter)].filter((dir) => dir && !seen.has(dir) && seen.add(dir)).join(delimiter)
}
