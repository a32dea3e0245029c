#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx video-processor …` works in a checkout with no build step.
import { register } from 'tsx/esm/api'

register()
await import(new URL('../src/cli/index.ts', import.meta.url).href)
