/**
 * `npm run bench [-- --quick] [-- --only queue,startup]`: runs every benchmark, prints one
 * table and writes it, with the machine's description, to bench/results.md.
 */
import { spawnSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describeMachine, machineMarkdown } from './support/machine'
import { markdownTable } from './support/table'
import type { BenchFunction, BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

interface Entry {
  key: string
  title: string
  /** Module path relative to this file, and the names its benchmark function may have. */
  module: string
  exports: string[]
}

const ENTRIES: Entry[] = [
  { key: 'queue', title: 'Queue throughput', module: './queue-throughput', exports: ['benchQueueThroughput'] },
  { key: 's3', title: 'Streaming S3 download', module: './s3-download', exports: ['benchS3Download', 'default'] },
  { key: 'gemini', title: 'Streaming Gemini upload', module: './gemini-upload', exports: ['benchGeminiUpload', 'default'] },
  { key: 'local', title: 'Local analyzer', module: './local-analyzer', exports: ['benchLocalAnalyzer', 'default'] },
  { key: 'quality', title: 'Local analyzer quality', module: './local-quality', exports: ['benchLocalQuality'] },
  { key: 'console', title: 'Console', module: './console', exports: ['benchConsole', 'default'] },
  { key: 'desktop', title: 'Desktop main process', module: './desktop-event-loop', exports: ['benchDesktopEventLoop'] },
  { key: 'startup', title: 'Start-up', module: './startup', exports: ['benchStartup'] }
]

/** The console and desktop rows measure the built app: build it from these sources first. */
function build(log: (m: string) => void): void {
  log('building the app (electron-vite build)…')
  const here = dirname(fileURLToPath(import.meta.url))
  const result = spawnSync(process.execPath, [join(here, '../node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: join(here, '..'), encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`electron-vite build failed:\n${result.stderr}`)
}

function parseArgs(argv: string[]): { quick: boolean; only: Set<string> | null; out: string | null } {
  const quick = argv.includes('--quick') || ['small', 'quick'].includes((process.env['BENCH_SIZE'] ?? '').toLowerCase())
  const onlyArg = argv.find((a) => a.startsWith('--only='))?.slice('--only='.length)
  const outArg = argv.find((a) => a.startsWith('--out='))?.slice('--out='.length)
  return { quick, only: onlyArg ? new Set(onlyArg.split(',')) : null, out: outArg ?? null }
}

async function load(entry: Entry): Promise<BenchFunction> {
  const mod = (await import(entry.module)) as Record<string, unknown>
  for (const name of entry.exports) if (typeof mod[name] === 'function') return mod[name] as BenchFunction
  const found = Object.entries(mod).find(([name, value]) => name.startsWith('bench') && typeof value === 'function')
  if (found) return found[1] as BenchFunction
  throw new Error(`${entry.module}.ts exports no bench function (expected ${entry.exports[0]})`)
}

function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n')[0]?.slice(0, 200) ?? 'unknown error'
}

/** Accepts rows from modules that drift from the contract a little, and drops anything unusable. */
function usableRows(value: unknown, entry: Entry): BenchRow[] {
  const rows = Array.isArray(value) ? value : [value]
  const ok = rows.filter((r): r is BenchRow => typeof r === 'object' && r !== null && typeof (r as BenchRow).measure === 'string')
  return ok.length ? ok : [notRun(entry.title, 'the module returned no rows')]
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const machine = describeMachine()
  const log = (message: string) => process.stderr.write(`[bench] ${message}\n`)
  const opts: BenchOptions = { quick: args.quick, log }
  const started = performance.now()
  if (!args.only || args.only.has('console') || args.only.has('desktop')) build(log)
  const rows: BenchRow[] = []
  const timings: string[] = []
  for (const entry of ENTRIES) {
    if (args.only && !args.only.has(entry.key)) continue
    const t0 = performance.now()
    log(`${entry.title}…`)
    try {
      const fn = await load(entry)
      rows.push(...usableRows(await fn(opts), entry))
    } catch (error) {
      log(`${entry.title} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
      rows.push(notRun(entry.title, reason(error)))
    }
    const seconds = (performance.now() - t0) / 1000
    timings.push(`${entry.title} ${seconds.toFixed(1)} s`)
    log(`${entry.title} done in ${seconds.toFixed(1)} s`)
  }
  const total = (performance.now() - started) / 1000
  const table = markdownTable(rows)
  process.stdout.write(`${table}\n`)
  log(`total ${total.toFixed(1)} s`)

  const here = dirname(fileURLToPath(import.meta.url))
  const out = args.out ?? join(here, args.quick ? '.tmp/results-quick.md' : 'results.md')
  const doc = [
    '# Benchmark results',
    '',
    `Written by \`npm run bench${args.quick ? ' -- --quick' : ''}\`; every figure comes from this run. ` +
      'Ratio = ours ÷ peer\'s; the "Better" column says which direction wins. ' +
      (args.quick ? '**Quick (smoke) sizes: not figures to quote.**' : ''),
    '',
    '## Machine',
    '',
    machineMarkdown(machine),
    `- Load average at end (1 / 5 / 15 min): ${describeMachine().loadAverage.map((l) => l.toFixed(2)).join(' / ')}`,
    `- Run time: ${total.toFixed(0)} s (${timings.join(', ')})`,
    '',
    '## Results',
    '',
    table,
    '',
    'How each benchmark works: [README.md](README.md).',
    ''
  ].join('\n')
  // bench/.tmp/ is git-ignored, so a fresh clone does not have it.
  await mkdir(dirname(out), { recursive: true })
  await writeFile(out, doc)
  log(`wrote ${out}`)
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exitCode = 1
})
