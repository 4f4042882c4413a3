import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { auditListQuerySchema, auditPageSchema, auditPathSchema, auditVerificationSchema } from './audit.schema';

/** The routes of the `audit` group, served by functions/api/audit.ts; the route table assembles them. */
export const AUDIT_ROUTES = [
  {
    operationId: 'listAuditEntries',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/audit',
    group: 'audit',
    access: ACCESS.audit,
    summary: "The tenant's audit log in time order, by action, actor, target and time range",
    request: { path: auditPathSchema, query: auditListQuerySchema },
    response: auditPageSchema,
  },
  {
    operationId: 'verifyAuditLog',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/audit/verify',
    group: 'audit',
    access: ACCESS.audit,
    summary: "Recompute the tenant's audit hash chains and report the first broken entry",
    request: { path: auditPathSchema },
    response: auditVerificationSchema,
  },
] as const satisfies readonly RouteDefinition<'audit'>[];
