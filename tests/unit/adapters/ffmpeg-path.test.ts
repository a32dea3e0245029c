import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resolveFfmpeg, unpackedPath } from '../../../src/adapters/analyzer/ffmpeg-path'
import { tempDir } from '../../support/media'

// How a packaged app is laid out: the installer packages' own `path` points into app.asar (a file
// no binary can run from); electron-builder's asarUnpack put the real binaries in app.asar.unpacked.
let temp: { dir: string; cleanup: () => Promise<void> }
let resources: string
const packaged = (name: string) => path.join(resources, 'app.asar', 'node_modules', `@${name}-installer`, 'linux-x64', name)

beforeAll(async () => {
  temp = await tempDir('vp-ffmpeg-path-')
  resources = path.join(temp.dir, 'Video processor.app', 'Contents', 'Resources')
  for (const name of ['ffmpeg', 'ffprobe']) {
    const unpacked = unpackedPath(packaged(name))
    await mkdir(path.dirname(unpacked), { recursive: true })
    // A shell script stands in for the binary: only its place and mode matter here.
    await writeFile(unpacked, '#!/bin/sh\necho fake\n', { mode: 0o644 })
  }
  // The archive itself is a file: nothing inside it exists on disk.
  await writeFile(path.join(resources, 'app.asar'), 'asar archive')
})
afterAll(() => temp?.cleanup())

describe('ffmpeg resolution in a packaged app', () => {
  it('maps app.asar to app.asar.unpacked, on both path separators, once', () => {
    expect(unpackedPath('/Applications/V.app/Contents/Resources/app.asar/node_modules/@ffmpeg-installer/darwin-arm64/ffmpeg')).toBe(
      '/Applications/V.app/Contents/Resources/app.asar.unpacked/node_modules/@ffmpeg-installer/darwin-arm64/ffmpeg'
    )
    expect(unpackedPath('C:\\Program Files\\V\\resources\\app.asar\\node_modules\\@ffprobe-installer\\win32-x64\\ffprobe.exe')).toBe(
      'C:\\Program Files\\V\\resources\\app.asar.unpacked\\node_modules\\@ffprobe-installer\\win32-x64\\ffprobe.exe'
    )
    const unpacked = '/opt/V/resources/app.asar.unpacked/node_modules/@ffmpeg-installer/linux-x64/ffmpeg'
    expect(unpackedPath(unpacked)).toBe(unpacked)
    expect(unpackedPath('/home/me/video-processor/node_modules/@ffmpeg-installer/linux-x64/ffmpeg')).toBe('/home/me/video-processor/node_modules/@ffmpeg-installer/linux-x64/ffmpeg')
  })

  it('spawns the bundled binaries from app.asar.unpacked when ffmpeg is not on PATH, and makes them executable', async () => {
    const tools = await resolveFfmpeg({
      env: { PATH: '' },
      packagePath: (pkg) => packaged(pkg.startsWith('@ffmpeg') ? 'ffmpeg' : 'ffprobe')
    })
    expect(tools).toEqual({
      ffmpeg: unpackedPath(packaged('ffmpeg')),
      ffprobe: unpackedPath(packaged('ffprobe')),
      origin: { ffmpeg: 'npm', ffprobe: 'npm' }
    })
  })

  it.each([
    ['darwin', 'brew install ffmpeg'],
    ['win32', 'winget install --id Gyan.FFmpeg'],
    ['linux', 'sudo apt install ffmpeg']
  ] as const)('names the way to install ffmpeg on %s when there is none', async (platform, command) => {
    const missing = resolveFfmpeg({ env: { PATH: '' }, platform, packagePath: () => null })
    await expect(missing).rejects.toThrow(command)
    await expect(missing).rejects.toThrow('set FFMPEG_PATH')
  })
})
