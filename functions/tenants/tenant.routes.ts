import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import { listTenantsQuerySchema, tenantPageSchema, updateTenantBodySchema } from './onboarding.schema';
import { tenantManifestSchema } from './tenant-manifest.schema';
import { tenantPathSchema, tenantSchema } from './tenant.schema';
import { BILLING_ROUTES } from '../billing/invoice.api';
import { subscriptionPathSchema, subscriptionSchema, updateSubscriptionBodySchema } from '../billing/subscription.schema';

/** The routes of the `tenants` group, served by functions/api/tenants.ts; the route table assembles them. */
export const TENANT_ROUTES = [
  {
    operationId: 'getTenant',
    method: 'GET',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "Read a tenant's record",
    request: { path: tenantPathSchema },
    response: tenantSchema,
    allowedWhenSuspended: true,
  },
  // -- tenant lifecycle, users, invitations, API keys (add routes of this area below this line)
  {
    operationId: 'createTenant',
    method: 'POST',
    path: '/v1/tenants',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Onboard a tenant from its manifest: reserves the slug, records it PROVISIONING and starts provisioning (control-plane region)',
    request: { body: tenantManifestSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  {
    operationId: 'listTenants',
    method: 'GET',
    path: '/v1/tenants',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'The tenants of the platform from the directory, optionally by status (control-plane region)',
    request: { query: listTenantsQuerySchema },
    response: tenantPageSchema,
  },
  {
    operationId: 'updateTenant',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "Change a tenant's name, branding or settings; plan and status by platform admins only (If-Match: its ETag)",
    request: { path: tenantPathSchema, body: updateTenantBodySchema },
    response: tenantSchema,
  },
  {
    operationId: 'suspendTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/suspend',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Suspend an ACTIVE tenant: its users get 403 tenant-suspended on everything but reading the tenant',
    request: { path: tenantPathSchema },
    response: tenantSchema,
  },
  {
    operationId: 'reactivateTenant',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/reactivate',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Reactivate a SUSPENDED tenant',
    request: { path: tenantPathSchema },
    response: tenantSchema,
  },
  {
    operationId: 'retryTenantProvisioning',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/retry',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Provision a FAILED tenant again from its manifest',
    request: { path: tenantPathSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  {
    operationId: 'offboardTenant',
    method: 'DELETE',
    path: '/v1/tenants/{tenantId}',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary: 'Offboard a tenant: OFFBOARDING, then its pool is removed, its data purged and its slug released (DELETED)',
    request: { path: tenantPathSchema },
    response: tenantSchema,
    successStatus: 202,
  },
  // -- the tenant's subscription: a plan change writes the tenant record and moves the usage key, as this group may
  {
    operationId: 'getSubscription',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/subscription',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's subscription: plan, status, current period, pending downgrade, prorations of the period",
    request: { path: subscriptionPathSchema },
    response: subscriptionSchema,
  },
  {
    operationId: 'updateSubscription',
    method: 'PATCH',
    path: '/v1/tenants/{tenantId}/subscription',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary:
      'Change the plan (an upgrade at once, prorated; a downgrade at the end of the period, 409 when usage does not fit) or cancel at the end of the period (If-Match: its ETag)',
    request: { path: subscriptionPathSchema, body: updateSubscriptionBodySchema },
    response: subscriptionSchema,
  },
  // -- invoices and payments
  ...BILLING_ROUTES,
] as const satisfies readonly RouteDefinition<'tenants'>[];
