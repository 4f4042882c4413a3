import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import { tenantManifestSchema } from './tenant-manifest.schema';
import { regionSchema, slugSchema, tenantAuthSchema } from './tenant.schema';

/**
 * The onboarding events, on EventBridge. The control plane asks (source `agent-platform.onboarding`); the
 * provisioning pipeline (a CodeBuild project running `cdk deploy` / `cdk destroy` of the TenantStack in AWS, the
 * local provisioner locally) answers (source `agent-platform.provisioning`), and the answers are handled by
 * `functions/api/provisioning-events.ts`. Names and detail schemas are the contract between the two sides.
 */

export const ONBOARDING_EVENT_SOURCE = 'agent-platform.onboarding';
export const PROVISIONING_EVENT_SOURCE = 'agent-platform.provisioning';

export const ONBOARDING_DETAIL_TYPES = {
  /** Deploy the tenant's stack from the manifest in the detail. */
  provisioningRequested: 'Tenant Provisioning Requested',
  /** Destroy the tenant's stack (user pool, issuer registration, API key). */
  offboardingRequested: 'Tenant Offboarding Requested',
} as const;

export const PROVISIONING_DETAIL_TYPES = {
  /** The stack is deployed; the detail names the pool's login endpoints. */
  provisioningSucceeded: 'Tenant Provisioning Succeeded',
  provisioningFailed: 'Tenant Provisioning Failed',
  /** The stack is destroyed; the tenant's data can be purged. */
  offboardingCompleted: 'Tenant Offboarding Completed',
} as const;

export const provisioningRequestedSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  homeRegion: regionSchema,
  manifest: tenantManifestSchema,
});
export type ProvisioningRequested = z.infer<typeof provisioningRequestedSchema>;

export const offboardingRequestedSchema = z.object({
  tenantId: tenantIdSchema,
  slug: slugSchema,
  homeRegion: regionSchema,
  /** The pool to delete, when one was made. */
  auth: z.optional(tenantAuthSchema),
});
export type OffboardingRequested = z.infer<typeof offboardingRequestedSchema>;

export const provisioningSucceededSchema = z.object({ tenantId: tenantIdSchema, auth: tenantAuthSchema });
export const provisioningFailedSchema = z.object({ tenantId: tenantIdSchema, reason: z.string().check(z.maxLength(2000)) });
export const offboardingCompletedSchema = z.object({ tenantId: tenantIdSchema });

/** An answer of the provisioning pipeline, as the control plane handles it. */
export type ProvisioningResult =
  | { readonly kind: 'provisioningSucceeded'; readonly detail: z.infer<typeof provisioningSucceededSchema> }
  | { readonly kind: 'provisioningFailed'; readonly detail: z.infer<typeof provisioningFailedSchema> }
  | { readonly kind: 'offboardingCompleted'; readonly detail: z.infer<typeof offboardingCompletedSchema> };

/** Reads an EventBridge event of the pipeline; throws on anything else (the event goes to the DLQ). */
export function parseProvisioningResult(event: { readonly source?: string; readonly 'detail-type'?: string; readonly detail?: unknown }): ProvisioningResult {
  if (event.source !== PROVISIONING_EVENT_SOURCE) throw new Error(`not a provisioning event: source ${String(event.source)}`);
  switch (event['detail-type']) {
    case PROVISIONING_DETAIL_TYPES.provisioningSucceeded:
      return { kind: 'provisioningSucceeded', detail: provisioningSucceededSchema.parse(event.detail) };
    case PROVISIONING_DETAIL_TYPES.provisioningFailed:
      return { kind: 'provisioningFailed', detail: provisioningFailedSchema.parse(event.detail) };
    case PROVISIONING_DETAIL_TYPES.offboardingCompleted:
      return { kind: 'offboardingCompleted', detail: offboardingCompletedSchema.parse(event.detail) };
    default:
      throw new Error(`unknown provisioning event ${String(event['detail-type'])}`);
  }
}

/** Where the control plane's requests go: EventBridge in AWS and locally (the local bus speaks its API). */
export interface OnboardingEvents {
  provisioningRequested(detail: ProvisioningRequested): Promise<void>;
  offboardingRequested(detail: OffboardingRequested): Promise<void>;
}
