import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { LOCAL_S3_CREDENTIALS } from '../functions/portability/object-store';

/**
 * The local counterpart of each region's export bucket: `s3rver`, an S3-compatible server, in-process on loopback,
 * with its objects in a directory (kept across restarts). It does not check request signatures, so presigned URLs
 * are judged by the platform's own tests, not by it; it does answer 403 once a presigned URL has expired.
 */

export interface S3LocalOptions {
  /** @default 0 (a free port) */
  readonly port?: number;
  /** Where objects are kept. */
  readonly directory: string;
  /** Buckets to create when missing. */
  readonly buckets: readonly string[];
}

export interface S3Local {
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/** Local credentials for the S3-compatible server: it takes any. */
export const S3_LOCAL_CREDENTIALS = LOCAL_S3_CREDENTIALS;

export async function startS3Local(options: S3LocalOptions): Promise<S3Local> {
  mkdirSync(options.directory, { recursive: true });
  const server = new S3rver({ port: options.port ?? 0, address: '127.0.0.1', directory: options.directory, silent: true });
  const address = (await server.run()) as AddressInfo;
  const endpoint = `http://127.0.0.1:${address.port}`;
  const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true, credentials: S3_LOCAL_CREDENTIALS });
  try {
    for (const bucket of options.buckets) {
      await client.send(new CreateBucketCommand({ Bucket: bucket })).catch((error: { name?: string }) => {
        if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
      });
    }
  } finally {
    client.destroy();
  }
  return { endpoint, stop: () => server.close() };
}
