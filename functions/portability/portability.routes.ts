import * as z from '../core/zod';
import { ACCESS } from '../core/roles';
import type { RouteDefinition } from '../core/route';
import { tenantIdSchema } from '../data/keys';
import { jobIdSchema } from './portability-job.kind';
import { migrationBodySchema, migrationJobSchema } from './migration-job.kind';
import { importBodySchema, jobResourceSchema } from './portability.schema';
import { complianceSettingsSchema, retentionSettingsSchema } from './compliance-settings';
import { complianceReportSchema } from './compliance.service';

const legalHoldBodySchema = z.strictObject({ reason: z.string().check(z.minLength(1), z.maxLength(1024)) });

const tenantPathSchema = z.strictObject({ tenantId: tenantIdSchema });
const jobPathSchema = z.strictObject({ tenantId: tenantIdSchema, jobId: jobIdSchema });
const migrationPathSchema = z.strictObject({ tenantId: tenantIdSchema, migrationId: jobIdSchema });

/**
 * The routes of the `portability` group (export, import and migration jobs), served by functions/api/portability.ts.
 *
 * Migrations are a platform admin's operation on one tenant, so they live under the tenant's path like the other such
 * operations (`…/suspend`, `…/legal-hold`) rather than under `/v1/platform/…`, which holds the fleet-wide views that
 * name no tenant: the tenant gate then refuses them outside the tenant's home region (421 with its endpoint) and
 * records the admin's access in the tenant's log, and the authorizer's policies keep every tenant path under
 * `/v1/tenants/{tenantId}`. Their record is nevertheless a platform item (it outlives the source's copy of the data).
 */
export const PORTABILITY_ROUTES = [
  {
    operationId: 'startExport',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/exports',
    group: 'portability',
    access: ACCESS.tenantAdmin,
    summary: "Export every kind of the tenant's data to a signed bundle in its home region (202: a job; Idempotency-Key honoured)",
    request: { path: tenantPathSchema },
    response: jobResourceSchema,
    successStatus: 202,
  },
  {
    operationId: 'getExport',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/exports/{jobId}',
    group: 'portability',
    access: ACCESS.tenantAdmin,
    summary: 'An export job: state, items and bytes per kind, errors, and expiring download links once it has succeeded',
    request: { path: jobPathSchema },
    response: jobResourceSchema,
  },
  {
    operationId: 'startImport',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/imports',
    group: 'portability',
    access: ACCESS.tenantAdmin,
    summary:
      "Import a bundle of the tenant's exports, or with sourceTenantId (platform admins) copy another tenant's content from its bundle: every hash is checked before the first write (202: a job)",
    request: { path: tenantPathSchema, body: importBodySchema },
    response: jobResourceSchema,
    successStatus: 202,
  },
  {
    operationId: 'getImport',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/imports/{jobId}',
    group: 'portability',
    access: ACCESS.tenantAdmin,
    summary: 'An import job: state, items and bytes per kind, and the problem (file, line, hashes) of a refused bundle',
    request: { path: jobPathSchema },
    response: jobResourceSchema,
  },
  {
    operationId: 'getCompliance',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/compliance',
    group: 'portability',
    access: ACCESS.audit,
    summary: "Where the tenant's data lives, its retention per data class, encryption, legal hold and whether its audit chain verifies",
    request: { path: tenantPathSchema },
    response: complianceReportSchema,
  },
  {
    operationId: 'setRetention',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/retention',
    group: 'portability',
    access: ACCESS.tenantAdmin,
    summary: 'Set how many days each data class is kept (absent: until deleted); audited',
    request: { path: tenantPathSchema, body: retentionSettingsSchema },
    response: complianceSettingsSchema,
  },
  {
    operationId: 'placeLegalHold',
    method: 'PUT',
    path: '/v1/tenants/{tenantId}/legal-hold',
    group: 'portability',
    access: ACCESS.platformAdmin,
    summary: "Place a legal hold: no deletion of the tenant's data (retention, purges, offboarding) until it is lifted; audited",
    request: { path: tenantPathSchema, body: legalHoldBodySchema },
    response: complianceSettingsSchema,
  },
  {
    operationId: 'liftLegalHold',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}/legal-hold',
    group: 'portability',
    access: ACCESS.platformAdmin,
    summary: 'Lift the legal hold; audited',
    request: { path: tenantPathSchema },
    response: complianceSettingsSchema,
  },
  {
    operationId: 'startMigration',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/migrations',
    group: 'portability',
    access: ACCESS.platformAdmin,
    summary:
      "Move the tenant to another residency region: export, import into the target's table, verify counts and chain, copy its credential secrets, cut over (the old region then answers 421), purge the source (202: a job; Idempotency-Key honoured). Sent to the target after a migration there failed past its cut-over, resumes it at the purge",
    request: { path: tenantPathSchema, body: migrationBodySchema },
    response: migrationJobSchema,
    successStatus: 202,
  },
  {
    operationId: 'getMigration',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/migrations/{migrationId}',
    group: 'portability',
    access: ACCESS.platformAdmin,
    summary:
      "A migration job: state, the step reached, items per kind exported and imported, and the problem that stopped it (in the tenant's home region: 421 elsewhere)",
    request: { path: migrationPathSchema },
    response: migrationJobSchema,
  },
] as const satisfies readonly RouteDefinition<'portability'>[];
