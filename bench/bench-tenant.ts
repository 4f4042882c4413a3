import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as keys from '../functions/data/table-keys';
import { LOCAL_TABLE_NAME } from '../local/platform.config';

/** An ACTIVE tenant record written straight to the local table, for benches that measure what comes after onboarding. */
export async function putBenchTenant(raw: DynamoDBDocumentClient, tenantId: string, region: string, plan = 'enterprise'): Promise<void> {
  const now = new Date().toISOString();
  const item = { ...keys.tenantProfile(tenantId), tenantId, slug: tenantId, name: tenantId, plan, region, status: 'ACTIVE', branding: {}, settings: {} };
  await raw.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: { ...item, createdAt: now, updatedAt: now, version: 1 } }));
}
