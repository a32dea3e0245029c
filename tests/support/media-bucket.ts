import { readFile } from 'node:fs/promises'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import type { AwsLocal } from './aws-local'
import { makeTestVideo } from './media'

/** Creates the bucket `media` holding a generated clip at `in/clip.mp4`, the object the cloud tests' messages name. */
export async function seedMediaBucket(aws: AwsLocal, dir: string): Promise<void> {
  await aws.createBucket('media')
  const video = await makeTestVideo(dir)
  await aws.s3.send(new PutObjectCommand({ Bucket: 'media', Key: 'in/clip.mp4', Body: await readFile(video) }))
}
