import { ForbiddenError } from '../core/errors';
import { createGroupHandler } from '../core/http';
import { mutationContextOf, toOperationResult, type MutationResult } from '../data/mutation.context';
import { PORTABILITY_ROUTES } from '../portability/portability.routes';
import type { BackupStatus } from '../portability/backup-status';
import { ComplianceService } from '../portability/compliance.service';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';
import type { PortabilityJobService } from '../portability/portability-job.service';
import type { MigrationJobService } from '../portability/migration-job.service';
import type { RequestFor } from '../routes';
import { createResourceDependencies, lazyHandler, type ResourceDependencies } from './dependencies';
import { migrationJobsOf } from './migration.dependencies';
import { backupStatusOf, jobQueueOf, portabilityJobsOf } from './portability.dependencies';
import type { RuntimeConfig } from './runtime-config';

/** A tenant's export, import and migration jobs: started here (202), run by the job consumer from the jobs queue. */
export function createHandler(
  config: RuntimeConfig,
  deps: ResourceDependencies = createResourceDependencies(config, 'portability'),
  jobs: PortabilityJobService = portabilityJobsOf(config),
  migrations: MigrationJobService = migrationJobsOf(config, jobQueueOf(config)),
  backups: BackupStatus = backupStatusOf(config),
) {
  const compliance = new ComplianceService({
    db: deps.db,
    tableName: deps.tableName,
    executor: deps.executor,
    cursors: deps.cursors,
    catalogue: TENANT_DATA_CATALOGUE,
    region: config.AWS_REGION,
    backups,
    ...(deps.directory ? { directory: deps.directory } : {}),
  });
  // A change of the settings asks for the tenant's sweep at once; when the queue fails, the hourly sweep still comes.
  const swept = async (request: { readonly path: { readonly tenantId: string } }, result: MutationResult) => {
    await jobs.requestSweep(request.path.tenantId).catch((error: unknown) => {
      deps.logger.warn('retention sweep not queued; the scheduled sweep will run it', { tenantId: request.path.tenantId, error: error as Error });
    });
    return toOperationResult(result);
  };
  return createGroupHandler({
    logger: deps.logger,
    ...(deps.telemetry ? { telemetry: deps.telemetry } : {}),
    routes: PORTABILITY_ROUTES,
    tenantGate: deps.tenantGate,
    operations: {
      startExport: async (request: RequestFor<'startExport'>) => toOperationResult(await jobs.start(mutationContextOf(request), 'export')),
      getExport: async ({ path }: RequestFor<'getExport'>) => ({ body: await jobs.get(path.tenantId, 'export', path.jobId) }),
      startImport: async (request: RequestFor<'startImport'>) => {
        const { exportId, sourceTenantId } = request.body;
        const foreign = sourceTenantId !== undefined && sourceTenantId !== request.path.tenantId;
        if (foreign && request.auth?.principalType !== 'platform-admin') {
          throw new ForbiddenError("only a platform admin imports another tenant's bundle");
        }
        return toOperationResult(await jobs.start(mutationContextOf(request), 'import', exportId, foreign ? sourceTenantId : undefined));
      },
      getImport: async ({ path }: RequestFor<'getImport'>) => ({ body: await jobs.get(path.tenantId, 'import', path.jobId) }),
      startMigration: async (request: RequestFor<'startMigration'>) =>
        toOperationResult(await migrations.start({ ...mutationContextOf(request), to: request.body.to })),
      getMigration: async ({ path }: RequestFor<'getMigration'>) => ({ body: await migrations.get(path.tenantId, path.migrationId) }),
      getCompliance: async ({ path }: RequestFor<'getCompliance'>) => ({ body: await compliance.report(path.tenantId) }),
      setRetention: async (request: RequestFor<'setRetention'>) => swept(request, await compliance.setRetention(mutationContextOf(request), request.body)),
      placeLegalHold: async (request: RequestFor<'placeLegalHold'>) =>
        swept(request, await compliance.placeHold(mutationContextOf(request), request.body.reason)),
      liftLegalHold: async (request: RequestFor<'liftLegalHold'>) => swept(request, await compliance.liftHold(mutationContextOf(request))),
    },
  });
}

export const handler = lazyHandler(createHandler);
