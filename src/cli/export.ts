import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { z } from 'zod'
import type { Config } from '../app/load-config'
import { connect } from './connect'
import { UsageError } from './usage-error'

/** Writes a video's debug bundle (one zip) and prints where it went. */
export async function exportCommand(config: Config, id: string, opts: { out?: string }): Promise<number> {
  if (!z.uuid().safeParse(id).success) throw new UsageError(`${id} is not a video id (a UUID)`)
  const connection = await connect(config)
  try {
    const bundle = await connection.api['videos.export']({ id })
    const file = resolve(opts.out ?? bundle.fileName)
    await writeFile(file, Buffer.from(bundle.base64, 'base64'))
    process.stdout.write(`${file}\n`)
    for (const f of bundle.files) process.stderr.write(`  ${f.name} (${f.bytes} bytes)\n`)
    return 0
  } finally {
    await connection.close()
  }
}
