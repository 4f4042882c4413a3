import type { CustomResourceRequest, CustomResourceResponse } from '../core/custom-resource';
import { tenantIdSchema } from '../core/tenant-id';
import * as z from '../core/zod';
import type { UsageKeyRelease } from './usage-key.binding';

/** The CloudFormation type of the tenant stack's usage key release. */
export const USAGE_KEY_RELEASE_RESOURCE_TYPE = 'Custom::UsageKeyRelease';

export const usageKeyReleasePropertiesSchema = z.object({
  /** The tenant whose key a migration may have made in the stack's region. */
  TenantId: tenantIdSchema,
});
export type UsageKeyReleaseProperties = z.infer<typeof usageKeyReleasePropertiesSchema>;

/**
 * The tenant stack's usage key release, as a CloudFormation custom resource that the stack's own API key depends on:
 * on create and update it deletes the tenant's key that a migration made in the region (UsageKeyRelease: tagged keys
 * only), so that the stack can make its key of the same value right after; the tenant's requests there get 403 for
 * those few seconds. Once the stack's key exists, a release finds no tagged key and deletes nothing; delete does
 * nothing (the stack's key goes with the stack).
 */
export class UsageKeyReleaseResource {
  constructor(private readonly release: UsageKeyRelease) {}

  async handle(request: CustomResourceRequest): Promise<CustomResourceResponse> {
    if (request.RequestType === 'Delete') return { PhysicalResourceId: request.PhysicalResourceId };
    const { TenantId } = usageKeyReleasePropertiesSchema.parse(request.ResourceProperties);
    const released = await this.release.releaseMigrationKey(TenantId);
    return { PhysicalResourceId: `usage-key-release|${TenantId}`, Data: { Released: String(released) } };
  }
}
