/**
 * The worker under faults, end to end: 200 videos, two `video-processor worker` processes on
 * one SQS queue (fauxqs, with a dead-letter queue), the Supabase table (PostgREST fake) and
 * Gemini (its fake). Every connection from the workers to SQS, Supabase and Gemini goes through
 * a TCP proxy that refuses, black-holes or resets connections for 2–5 s on a random schedule,
 * while the workers are killed with SIGKILL (and sometimes stopped with SIGTERM) and restarted,
 * until the work is done or for at most FAULT_SECONDS.
 *
 * Afterwards: every row is terminal; every video got exactly one successful analysis (answers
 * counted per video at the Gemini fake), except where an answer never reached a worker able to
 * save it (killed or abandoned at a stop's deadline before the save, or the response cut by a reset: counted and printed apart);
 * no video completed twice; every message was processed or is in the DLQ with its
 * row failed; no job directory is left in the download folders; every stop ended within the
 * shutdown deadline + 5 s. The figures are printed.
 */
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { startAwsLocal, TEST_CREDENTIALS, TEST_REGION, type AwsLocal } from '../support/aws-local'
import { geminiSettings, supabaseSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { startFakeSupabase, type FakeSupabase } from '../support/fake-supabase'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { startTcpProxy, type ProxyMode, type TcpProxy } from '../support/tcp-proxy'
import { envWithoutSettings, startWorkerProcess, type WorkerProcess } from '../support/worker-process'

const VIDEOS = 200
const WORKERS = 2
const DEADLINE_S = 2
const VISIBILITY_S = 10
const MAX_RECEIVES = 10
/** Kills (and graceful stops) while the videos are processed; then the workers run to the end. */
const KILLS = 8
/**
 * Faults stop after this long, as an outage ends: on a loaded machine the work can take minutes, and
 * faults for as long as it lasts would make it last longer still, with no bound.
 */
const FAULT_SECONDS = 150

let aws: AwsLocal
let gemini: FakeGemini
let supabase: FakeSupabase | undefined
let db: EmbeddedDb
let dir: string
let cleanup: () => Promise<void>
const proxies: Record<'sqs' | 'supabase' | 'gemini', TcpProxy | null> = { sqs: null, supabase: null, gemini: null }
const children = new Set<ChildProcess>()

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-faults-'))
  aws = await startAwsLocal()
  await seedMediaBucket(aws, dir)
  gemini = await startFakeGemini()
  gemini.nextFile = { processingPolls: 0, finalState: 'ACTIVE' }
  supabase = await startFakeSupabase()
  db = supabase.db
  proxies.sqs = await startTcpProxy({ port: aws.port })
  proxies.supabase = await startTcpProxy({ port: Number(new URL(supabase.rest.url).port) })
  proxies.gemini = await startTcpProxy({ port: Number(new URL(gemini.url).port) })
}, 120_000)

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const p of Object.values(proxies)) await p?.close()
  await supabase?.close()
  await gemini?.close()
  await aws?.stop()
  await cleanup?.()
})

/**
 * When the last retry delay or set-aside the workers logged ends (ms since the epoch; 0 if none):
 * each such line carries its time stamp (UTC, to the second) and the delay in seconds.
 */
function lastDelayDue(output: string): number {
  let due = 0
  for (const m of output.matchAll(/^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) .*(?:will retry in|set aside for) (\d+) s/gm)) {
    due = Math.max(due, Date.parse(`${m[1]!.replace(' ', 'T')}Z`) + 1000 + Number(m[2]) * 1000)
  }
  return due
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const between = (min: number, max: number) => min + Math.random() * (max - min)
const pick = <T,>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T

describe('fault injection', () => {
  it(`${VIDEOS} videos, ${WORKERS} workers, blips and kills: one analysis per video, nothing stranded or lost`, async () => {
    const dlq = await aws.createQueue(`faults-dlq-${randomUUID().slice(0, 8)}`)
    const { url } = await aws.createQueue(`faults-${randomUUID().slice(0, 8)}`, {
      VisibilityTimeout: String(VISIBILITY_S),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVES })
    })
    const env = (name: string): NodeJS.ProcessEnv => ({
      ...envWithoutSettings(),
      DATA_DIR: path.join(dir, name),
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      // S3 direct; SQS, Supabase and Gemini through the proxies.
      AWS_ENDPOINT_URL: aws.endpoint,
      AWS_ENDPOINT_URL_SQS: proxies.sqs!.url,
      AWS_SQS_URL: url,
      AWS_S3_BUCKET: 'media',
      ...supabaseSettings(proxies.supabase!.url),
      ...geminiSettings({ apiKey: gemini.apiKey, url: proxies.gemini!.url }),
      WORKER_CONCURRENCY: '4',
      POLL_WAIT_SECONDS: '2',
      MAX_RECEIVE_COUNT: String(MAX_RECEIVES),
      SHUTDOWN_DEADLINE_SECONDS: String(DEADLINE_S)
    })
    const names = Array.from({ length: WORKERS }, (_, i) => `worker-${i}`)
    const workers: WorkerProcess[] = []
    /** Each run of each worker: its whole output and how it ended. */
    const outputs: { text: string; end: 'SIGKILL' | 'SIGTERM' | 'start failed' }[][] = names.map(() => [])
    /** Every run's output so far, the ones still running included. */
    const allOutput = () => [...outputs.flat().map((o) => o.text), ...workers.map((w) => w.output())].join('\n')
    const start = async (i: number) => {
      // A start during an outage may fail (one clear line, non-zero exit): try again, as a supervisor would.
      for (;;) {
        const w = startWorkerProcess(env(names[i]!), dir, children)
        workers[i] = w
        try {
          await w.waitFor(/Waiting for messages/, 60_000)
          return
        } catch {
          outputs[i]!.push({ text: w.output(), end: 'start failed' })
          w.proc.kill('SIGKILL')
          await w.exited
          await sleep(500)
        }
      }
    }
    for (let i = 0; i < WORKERS; i++) await start(i)

    const ids = Array.from({ length: VIDEOS }, () => randomUUID())
    for (const id of ids) await db.query('insert into videos (id, title) values ($1, $2)', [id, `clip ${id.slice(0, 8)}`])
    for (let i = 0; i < VIDEOS; i += 10) {
      const out = await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: ids.slice(i, i + 10).map((id, k) => ({ Id: String(k), MessageBody: JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/clip.mp4' }) }))
        })
      )
      expect(out.Failed ?? []).toEqual([])
    }

    const terminal = async () =>
      (await db.query<{ n: number }>(`select count(*)::int as n from videos where id = any($1::uuid[]) and processing_status in ('completed', 'failed')`, [ids])).rows[0]?.n ?? 0
    let finished = false
    const faultsEnd = Date.now() + FAULT_SECONDS * 1000
    const faulting = () => !finished && Date.now() < faultsEnd
    const faults = { blips: 0, kills: 0, gracefulStops: 0, byKind: {} as Record<string, number> }
    const stopTimes: number[] = []

    const stopGracefully = async (i: number) => {
      const w = workers[i]!
      const t = Date.now()
      w.proc.kill('SIGTERM')
      await w.exited
      stopTimes.push((Date.now() - t) / 1000)
      outputs[i]!.push({ text: w.output(), end: 'SIGTERM' })
    }

    // Network blips on a random proxy, one at a time, until the work is done (or the faults' time is up).
    const blips = (async () => {
      while (faulting()) {
        await sleep(between(1000, 4000))
        if (!faulting()) break
        const target = pick(['sqs', 'supabase', 'gemini'] as const)
        const mode = pick<Exclude<ProxyMode, 'pass'>>(['refuse', 'blackhole', 'reset'])
        faults.blips += 1
        faults.byKind[`${target} ${mode}`] = (faults.byKind[`${target} ${mode}`] ?? 0) + 1
        await proxies[target]!.blip(mode, between(2000, 5000))
      }
    })()
    // Kills: SIGKILL mostly, every third one a graceful SIGTERM (timed); the worker is restarted at once.
    const kills = (async () => {
      for (let k = 1; k <= KILLS && faulting(); k++) {
        await sleep(between(3000, 8000))
        if (!faulting()) break
        const i = Math.floor(Math.random() * WORKERS)
        if (k % 3 === 0) {
          faults.gracefulStops += 1
          await stopGracefully(i)
        } else {
          faults.kills += 1
          workers[i]!.proc.kill('SIGKILL')
          await workers[i]!.exited
          outputs[i]!.push({ text: workers[i]!.output(), end: 'SIGKILL' })
        }
        await start(i)
      }
    })()

    const began = Date.now()
    const until = began + 300_000
    while ((await terminal()) < VIDEOS && Date.now() < until) await sleep(1000)
    const rowsSettled = (await terminal()) === VIDEOS ? `${((Date.now() - began) / 1000).toFixed(0)} s` : `not within ${(until - began) / 1000} s`
    finished = true
    await Promise.all([blips, kills])
    for (const p of Object.values(proxies)) await p!.set('pass')
    // Messages still being deleted or dead-lettered settle within a visibility timeout or two; a
    // redelivery of a video another delivery finished (set aside while that one held it) takes a few.
    // A message the workers put in a retry delay (a store write whose answer was lost, say, though the
    // row did complete) comes back only when that delay is over: up to minutes after several deliveries.
    const settleFrom = Date.now()
    const atLastRow = await aws.inFlight(url)
    const settleUntil = () => Math.min(settleFrom + 360_000, Math.max(settleFrom + 9 * VISIBILITY_S * 1000, lastDelayDue(allOutput()) + 2 * VISIBILITY_S * 1000))
    let settledIn: string = 'not settled'
    while (Date.now() < settleUntil()) {
      const c = await aws.counts(url)
      if (c.visible + c.inFlight + c.delayed === 0) {
        settledIn = `${((Date.now() - settleFrom) / 1000).toFixed(1)} s`
        break
      }
      await sleep(500)
    }
    const delayedPastRows = Math.max(0, (lastDelayDue(allOutput()) - settleFrom) / 1000)
    // What was still in flight when the wait ended, while the workers ran: names the messages a failure is about.
    const inFlightAtEnd = settledIn === 'not settled' ? await aws.inFlight(url) : []
    for (let i = 0; i < WORKERS; i++) await stopGracefully(i)

    // ── The figures ──
    const rows = (await db.query<{ id: string; processing_status: string; error_cause: string | null }>(
      'select id, processing_status, error_cause from videos where id = any($1::uuid[])',
      [ids]
    )).rows
    const statusOf = new Map(rows.map((r) => [r.id, r.processing_status]))
    const answers = new Map<string, number>()
    for (const name of gemini.answeredFor) answers.set(name, (answers.get(name) ?? 0) + 1)
    const answersOf = (id: string) => answers.get(`job-${id}`) ?? 0
    const dead: string[] = []
    for (;;) {
      const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 60 }))
      if (!out.Messages?.length) break
      for (const m of out.Messages) dead.push((JSON.parse(m.Body ?? '{}') as { video_id?: string }).video_id ?? '')
    }
    const queueLeft = await aws.counts(url)
    const completed = ids.filter((id) => statusOf.get(id) === 'completed')
    const stranded = ids.filter((id) => !['completed', 'failed'].includes(statusOf.get(id) ?? ''))
    const duplicates = ids.filter((id) => answersOf(id) > 1)
    // A run killed between Gemini's answer and the save pays for an analysis nobody kept: the next
    // delivery must analyse again. Any other repeat (two runs completing, or a run that was not
    // killed losing its answer) is a duplicate the worker should have prevented.
    const runs = outputs.flat()
    const completedBy = (id: string) => runs.filter((r) => r.text.includes(`Video ${id}: done`))
    // A graceful stop abandons the jobs still running at its deadline, a generate whose answer was
    // black-holed among them: that answer was produced and paid, and the next delivery asks again.
    const abandoned = (r: { text: string }, id: string) => r.text.includes(`[${id.slice(0, 8)}] worker stopping: job abandoned`)
    const stoppedWhileOnIt = (id: string) =>
      runs.filter((r) => !r.text.includes(`Video ${id}: done`) && ((r.end === 'SIGKILL' && r.text.includes(id)) || (r.end === 'SIGTERM' && abandoned(r, id))))
    // An answer cut off on its way back (a reset after Gemini sent it) is asked for again: generateContent
    // has no idempotency key, so that repeat is paid too. The worker logs each such retry.
    const lostOnTheWire = (id: string) => runs.reduce((n, r) => n + (r.text.match(new RegExp(`\\[${id.slice(0, 8)}\\] network error during generate`, 'g'))?.length ?? 0), 0)
    const afterKill = duplicates.filter((id) => completedBy(id).length === 1 && stoppedWhileOnIt(id).length >= answersOf(id) - 1)
    const afterLostAnswer = duplicates.filter((id) => !afterKill.includes(id) && completedBy(id).length === 1 && stoppedWhileOnIt(id).length + lostOnTheWire(id) >= answersOf(id) - 1)
    const unexplained = duplicates.filter((id) => !afterKill.includes(id) && !afterLostAnswer.includes(id))
    const completedTwice = ids.filter((id) => completedBy(id).length > 1)
    const unanalysed = completed.filter((id) => answersOf(id) === 0)
    // A video is lost when it neither completed nor has its message in the DLQ with the row failed.
    const lost = ids.filter((id) => statusOf.get(id) !== 'completed' && !(dead.includes(id) && statusOf.get(id) === 'failed'))
    const deadWithoutFailedRow = dead.filter((id) => statusOf.get(id) !== 'failed')
    const leftFiles: string[] = []
    for (const name of names) leftFiles.push(...(await readdir(path.join(dir, name, 'downloads')).catch(() => [] as string[])))
    const worstStop = Math.max(...stopTimes)
    console.log(
      [
        `fault injection: ${VIDEOS} videos, ${WORKERS} workers`,
        `  faults injected: ${faults.blips} network blips (${Object.entries(faults.byKind).map(([k, n]) => `${k} ${n}`).join(', ')}), ${faults.kills} SIGKILLs, ${faults.gracefulStops} SIGTERMs mid-run`,
        `  every row terminal after ${rowsSettled}; completed ${completed.length}, failed ${rows.length - completed.length}, dead-lettered ${dead.length}`,
        `  duplicates (videos analysed more than once): ${duplicates.length}, of which ${afterKill.length} after a SIGKILL or a stop's deadline between the answer and the save, ${afterLostAnswer.length} after an answer lost on the network; completed twice: ${completedTwice.length}`,
        `  stranded (row not terminal): ${stranded.length}`,
        `  lost (neither completed nor dead-lettered with the row failed): ${lost.length}`,
        `  in flight at the last row: ${atLastRow.length}${atLastRow.length ? ` (received up to ${Math.max(...atLastRow.map((m) => m.receives))} times, visible again within ${Math.max(...atLastRow.map((m) => m.visibleInSeconds))} s)` : ''}`,
        `  queue settled after the last row: ${settledIn} (the last retry delay the workers set ended ${delayedPastRows.toFixed(0)} s after the last row); left after the workers stopped: ${JSON.stringify(queueLeft)}; files left in download dirs: ${leftFiles.length}`,
        `  stops: ${stopTimes.length}, worst ${worstStop.toFixed(1)} s (deadline ${DEADLINE_S} s)`
      ].join('\n')
    )

    // What the workers said about each unexplained duplicate, to tell a crash after the answer from
    // a second claim; it goes into the assertion's message so that it survives a cut-off log.
    const saidAbout = (id: string) =>
      outputs
        .flatMap((list, w) =>
          list.flatMap((o, r) => o.text.split('\n').filter((l) => l.includes(id.slice(0, 8)) || l.includes(id)).map((l) => `  worker-${w} run ${r} (${o.end}): ${l}`))
        )
        .join('\n')

    expect(stranded).toEqual([])
    expect(lost).toEqual([])
    expect(deadWithoutFailedRow).toEqual([])
    expect(unanalysed).toEqual([])
    // A message left in the queue is named with its video, its deliveries, when it is due back, and
    // what the workers said about that video: in the assertion's message, which survives a cut-off log.
    const videoOf = (body: string) => (JSON.parse(body) as { video_id?: string }).video_id ?? '?'
    const named = (when: string, list: { body: string; receives: number; visibleInSeconds: number }[]) =>
      list.map((m) => {
        const id = videoOf(m.body)
        return `${when}: video ${id} (row ${statusOf.get(id) ?? '?'}), received ${m.receives} times, visible again in ${m.visibleInSeconds} s:\n${saidAbout(id)}`
      })
    const leftOver = [
      ...named('in flight when the wait for the queue ended', inFlightAtEnd),
      ...(queueLeft.visible + queueLeft.inFlight + queueLeft.delayed > 0 ? named('in flight after the workers stopped', await aws.inFlight(url)) : [])
    ]
    expect(queueLeft, leftOver.join('\n')).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    expect(leftFiles).toEqual([])
    for (const s of stopTimes) expect(s).toBeLessThanOrEqual(DEADLINE_S + 5)
    // Exactly one successful analysis per video, except where Gemini's answer never reached a worker
    // that could save it (a SIGKILL or a stop's deadline before the save, a connection reset on the way back): the
    // conditional claim of the row prevents every other repeat.
    expect(completedTwice).toEqual([])
    expect(unexplained.map((id) => `${id}: ${answersOf(id)} analyses`), unexplained.slice(0, 3).map((id) => `${id}:\n${saidAbout(id)}`).join('\n')).toEqual([])
  }, 900_000)
})
