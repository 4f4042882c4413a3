import { AuditSealer } from '../functions/audit/audit-sealer';
import { parseRuntimeConfig } from '../functions/api/runtime-config';
import { createIsolation } from '../functions/isolation/tenant-db';
import { DirectoryRepository } from '../functions/tenants/directory.repository';

/**
 * Locally, how often the tenants of each region are sealed: the bound on how long an audit entry stays unsealed
 * (in AWS the stream consumer seals within the stream's delay, about a second, plus one batch).
 */
export const LOCAL_SEALING_INTERVAL_MS = 1_000;

export interface LocalAuditSealingOptions {
  readonly dynamoDbEndpoint: string;
  readonly regions: readonly string[];
  readonly tableName: string;
  readonly log: (line: string) => void;
  /** @default LOCAL_SEALING_INTERVAL_MS */
  readonly intervalMs?: number;
}

export interface LocalAuditSealing {
  stop(): Promise<void>;
}

/**
 * The audit sealer of the local platform: what the table stream's consumer does in AWS, by polling. Every interval,
 * each region seals the pending audit entries of the tenants its directory homes there (sealing a tenant with nothing
 * pending reads two items and writes nothing).
 */
export function startLocalAuditSealing(options: LocalAuditSealingOptions): LocalAuditSealing {
  const regions = options.regions.map((region) => {
    const config = parseRuntimeConfig({ AWS_REGION: region, TABLE_NAME: options.tableName, DYNAMODB_ENDPOINT: options.dynamoDbEndpoint, LOG_LEVEL: 'ERROR' });
    const isolation = createIsolation({ ...config, DATA_CREDENTIALS: 'local' });
    const sealer = new AuditSealer({ db: (tenantId) => isolation.forTenant(tenantId), tableName: options.tableName });
    return { region, isolation, sealer, directory: new DirectoryRepository(isolation.directoryDb(), options.tableName) };
  });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tick: Promise<void> = Promise.resolve();
  const sealAll = async () => {
    for (const { region, sealer, directory } of regions) {
      let start: Record<string, unknown> | undefined;
      do {
        const page = await directory.list(100, start);
        for (const entry of page.items) {
          if (stopped) return;
          if (entry.region === region && entry.status !== 'DELETED') await sealer.seal(entry.tenantId);
        }
        start = page.lastEvaluatedKey;
      } while (start);
    }
  };
  const schedule = () => {
    timer = setTimeout(() => {
      tick = sealAll()
        .catch((error: unknown) => options.log(`audit sealing: ${String(error)}`))
        .finally(() => {
          if (!stopped) schedule();
        });
    }, options.intervalMs ?? LOCAL_SEALING_INTERVAL_MS);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await tick;
      for (const { isolation } of regions) isolation.destroy();
    },
  };
}
