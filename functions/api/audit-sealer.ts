import type { DynamoDBStreamEvent } from 'aws-lambda';
import { AuditSealer } from '../audit/audit-sealer';
import { AuditSealingService } from '../audit/audit-sealing.service';
import { createTenantWrites, lazyHandler, writingMeter } from './dependencies';
import type { RuntimeConfig } from './runtime-config';

/**
 * Consumer of the table's stream that links pending audit entries into their tenant's hash chain (see
 * AuditSealingService). Subscribe it with PENDING_ENTRY_FILTER; it needs the tenant data role.
 */
export function createHandler(config: RuntimeConfig) {
  const { db } = createTenantWrites(config);
  const sealing = new AuditSealingService(new AuditSealer({ db, tableName: config.TABLE_NAME }));
  return writingMeter(config, async (event: DynamoDBStreamEvent): Promise<void> => {
    await sealing.handle(event.Records);
  });
}

export const handler = lazyHandler(createHandler);
