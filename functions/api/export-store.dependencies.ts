import { onFirstUse } from '../core/on-first-use';
import { LOCAL_S3_CREDENTIALS, type ObjectStore } from '../portability/object-store';
import type { RuntimeConfig } from './runtime-config';

/**
 * The export bucket of `region` through the S3 API (the local S3-compatible server when S3_ENDPOINT is set), built at
 * its first use: the S3 client and its presigner load only in instances that export, import or link a download.
 */
export function exportStoreOf(config: RuntimeConfig, region: string, bucket: string): ObjectStore {
  return onFirstUse(() => {
    const { createS3Client, S3ObjectStore } = require('../portability/s3.object-store') as typeof import('../portability/s3.object-store');
    const local = config.S3_ENDPOINT ? { endpoint: config.S3_ENDPOINT, credentials: LOCAL_S3_CREDENTIALS } : undefined;
    return new S3ObjectStore({ client: createS3Client(region, local), bucket });
  });
}
