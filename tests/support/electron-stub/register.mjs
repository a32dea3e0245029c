// `node --import ./register.mjs out/main/index.js`: the built main process under plain Node,
// with `import 'electron'` answered by the fake in electron.mjs (no Electron binary needed).
import { register } from 'node:module'

register('./hooks.mjs', import.meta.url)
