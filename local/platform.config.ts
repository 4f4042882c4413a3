import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { TABLE_BASE_NAME } from '../functions/data/table.schema';
import { LocalCredentialSource } from '../functions/isolation/token-vending-machine';

/** The residency regions the local platform serves; the first one is the home of the control plane. */
export const LOCAL_REGIONS = ['eu-central-1', 'us-east-1'] as const;
export type LocalRegion = (typeof LOCAL_REGIONS)[number];

/** The stage name the local gateway puts in events and passes to handlers as STAGE. */
export const LOCAL_STAGE = 'local';

/** One table name in every region, as in AWS where each region has its own table of the same name. */
export const LOCAL_TABLE_NAME = TABLE_BASE_NAME;

/**
 * The one credential every local client signs with: the key id of the functions' local credential source.
 * DynamoDB Local without `-sharedDb` keeps a separate database per access key id and region: a second key id
 * would silently get its own empty database.
 */
export const LOCAL_CREDENTIALS: AwsCredentialIdentity = { accessKeyId: LocalCredentialSource.ACCESS_KEY_ID, secretAccessKey: 'local' };

/**
 * Makes the SDK's default credential chain of this process (and of processes it spawns) resolve to the local
 * credential, so handlers that build their own clients reach the same databases as the bootstrap and the seed.
 */
export function useLocalCredentials(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_ACCESS_KEY_ID = LOCAL_CREDENTIALS.accessKeyId;
  env.AWS_SECRET_ACCESS_KEY = LOCAL_CREDENTIALS.secretAccessKey;
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
}

/** The export bucket of a local region. */
export function localExportBucket(region: string): string {
  return `exports-${region}`;
}

/** EXPORT_BUCKETS of the local functions: every local region's export bucket, where migrations there keep their bundles. */
export function localExportBuckets(bucketOf: (region: string) => string = localExportBucket): string {
  return JSON.stringify(Object.fromEntries(LOCAL_REGIONS.map((region) => [region, bucketOf(region)])));
}
