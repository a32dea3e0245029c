import { z } from 'zod'

/** Where a video comes from, after a queue message was normalised. */
export const VideoSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('s3'), bucket: z.string().min(1).optional(), key: z.string().min(1) }),
  z.object({ kind: z.literal('youtube'), url: z.url(), youtubeId: z.string().optional() }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
  z.object({ kind: z.literal('http'), url: z.url({ protocol: /^https?$/ }) })
])
export type VideoSource = z.infer<typeof VideoSource>

/** A short, human readable location of a source, for lists and logs: an http(s) URL without its password or query (signed URLs carry secrets there). */
export function describeSource(source: VideoSource): string {
  switch (source.kind) {
    case 's3':
      return `s3://${source.bucket ?? '<default bucket>'}/${source.key}`
    case 'youtube':
      return source.url
    case 'http': {
      if (!URL.canParse(source.url)) return source.url
      const u = new URL(source.url)
      return `${u.protocol}//${u.username ? `${u.username}:****@` : ''}${u.host}${u.pathname}${u.search ? '?…' : ''}`
    }
    case 'file':
      return source.path
  }
}

/**
 * The source as a table row keeps it: an http(s) URL without `user:password@` (the queue
 * message carries them to the download; a row is read by every console and by Supabase users).
 */
export function withoutCredentials(source: VideoSource): VideoSource {
  if (source.kind !== 'http' || !URL.canParse(source.url)) return source
  const u = new URL(source.url)
  if (!u.username && !u.password) return source
  u.username = ''
  u.password = ''
  return { kind: 'http', url: u.href }
}
