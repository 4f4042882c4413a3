import { AuditRepository } from '../audit/audit.repository';
import { AuditService } from '../audit/audit.service';
import type { RuntimeConfig } from './runtime-config';
import { createGroupHandler } from '../core/http';
import { AUDIT_ROUTES } from '../audit/audit.routes';
import type { RequestFor } from '../routes';
import { METRIC_NAMES } from '../core/metric-names';
import { recordMetric } from '../core/telemetry';
import { createResourceDependencies, lazyHandler, type ResourceDependencies, tenantSignalsOf } from './dependencies';

/** The tenant's audit log: filtered listing and chain verification (auditors and tenant admins). */
export function createHandler(config: RuntimeConfig, deps: ResourceDependencies = createResourceDependencies(config, 'audit')) {
  const audit = new AuditService((tenantId) => new AuditRepository({ db: deps.db(tenantId), tableName: deps.tableName, tenantId, cursors: deps.cursors }));
  return createGroupHandler({
    tenantSignals: tenantSignalsOf(config),
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: AUDIT_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      listAuditEntries: async ({ path, query }: RequestFor<'listAuditEntries'>) => ({ body: await audit.list(path.tenantId, query) }),
      verifyAuditLog: async ({ path }: RequestFor<'verifyAuditLog'>) => {
        const verification = await audit.verify(path.tenantId);
        if (!verification.valid) recordMetric(METRIC_NAMES.auditVerifyFailures);
        return { body: verification };
      },
    },
  });
}

export const handler = lazyHandler(createHandler);
