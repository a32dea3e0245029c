import { Upload } from '@aws-sdk/lib-storage'
import { createS3Source } from '../../src/adapters/source/s3'
import { startAwsLocal } from '../support/aws-local'
import { sourceConformance } from './source-suite'

// S3 as the SDK sees it: fauxqs 1.x in this process on 127.0.0.1.
const BUCKET = 'conformance'

sourceConformance(
  's3 (fauxqs)',
  async () => {
    const aws = await startAwsLocal()
    await aws.createBucket(BUCKET)
    const source = createS3Source({ aws: aws.aws, bucket: BUCKET })
    return {
      source,
      async put(name, bytes) {
        // Multipart in 8 MiB parts: fauxqs refuses single bodies over 11 MiB.
        await new Upload({ client: aws.s3, params: { Bucket: BUCKET, Key: name, Body: bytes }, partSize: 8 * 1024 * 1024 }).done()
        return { kind: 's3', key: name }
      },
      missing: (name) => ({ source: { kind: 's3', key: name }, location: `s3://${BUCKET}/${name}` }),
      async cleanup() {
        source.close()
        await aws.stop()
      }
    }
  },
  { downloads: true }
)
