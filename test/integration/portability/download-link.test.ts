import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { createS3Client, S3ObjectStore } from '../../../functions/portability/s3.object-store';
import { S3_LOCAL_CREDENTIALS, startS3Local, type S3Local } from '../../../local/s3-local';

/** A bundle's download link works without credentials until it expires, then the store refuses it (403). */

let directory: string;
let s3: S3Local;
let client: S3Client;
let store: S3ObjectStore;

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'download-link-'));
  s3 = await startS3Local({ directory, buckets: ['link-exports'] });
  client = createS3Client('eu-central-1', { endpoint: s3.endpoint, credentials: S3_LOCAL_CREDENTIALS });
  store = new S3ObjectStore({ client, bucket: 'link-exports' });
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
  rmSync(directory, { recursive: true, force: true });
});

describe('bundle download links', () => {
  it('answers the object before expiry and 403 after', async () => {
    // Prepare
    const body = '{"schemaVersion":1}';
    await store.put('tenants/t-1/exports/x-1/manifest.json', Readable.from([Buffer.from(body)]), 'application/json');
    // A link that lives a minute is fetched at once; one that lives a second is fetched after it expired (a
    // one-second link fetched at once could already be stale on a busy machine).
    const freshUrl = await store.presignGet('tenants/t-1/exports/x-1/manifest.json', 60);
    const url = await store.presignGet('tenants/t-1/exports/x-1/manifest.json', 1);

    // Act
    const fresh = await fetch(freshUrl);
    const freshBody = await fresh.text();
    await new Promise((done) => setTimeout(done, 2_100));
    const expired = await fetch(url);

    // Assess
    expect({ status: fresh.status, body: freshBody }).toEqual({ status: 200, body });
    expect(new URL(url).searchParams.get('X-Amz-Expires')).toBe('1');
    expect(expired.status).toBe(403);
  });
});
