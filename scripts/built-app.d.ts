import type { SpawnSyncOptions, SpawnSyncReturns } from 'node:child_process'

export type BuiltAppState = 'missing' | 'stale' | 'fresh'
export function builtAppState(root: string): BuiltAppState
export function buildApp(root: string, options: SpawnSyncOptions): SpawnSyncReturns<string | Buffer>
