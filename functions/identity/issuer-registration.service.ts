import type { CustomResourceRequest, CustomResourceResponse } from '../core/custom-resource';
import * as z from '../core/zod';
import { regionSchema } from '../tenants/tenant.schema';
import { issuerRegistrationSchema, type IssuerRegistryRepository } from './issuer-registry.repository';

/**
 * The issuer registration of a user pool, as a CloudFormation custom resource: a tenant stack registers its pool's
 * issuer in its region's registry, the control plane registers the platform-admin pool's issuer in every region's.
 * The resource's physical id is `<region>|<issuer>`, so a replaced pool (new issuer) or a moved registration is a new
 * resource and CloudFormation deletes the old registration after the new one exists.
 */

export const issuerRegistrationPropertiesSchema = z.object({
  /** The region whose registry holds the registration. */
  Region: regionSchema,
  Registration: issuerRegistrationSchema,
});
export type IssuerRegistrationProperties = z.infer<typeof issuerRegistrationPropertiesSchema>;

export type Registry = Pick<IssuerRegistryRepository, 'register' | 'deregister'>;

const SEPARATOR = '|';

function physicalIdOf(region: string, issuer: string): string {
  return `${region}${SEPARATOR}${issuer}`;
}

function parsePhysicalId(id: string): { region: string; issuer: string } | undefined {
  const at = id.indexOf(SEPARATOR);
  if (at < 0) return undefined;
  const region = id.slice(0, at);
  const issuer = id.slice(at + 1);
  return regionSchema.safeParse(region).success && issuer.length > 0 ? { region, issuer } : undefined;
}

export class IssuerRegistrationService {
  /** @param registryIn the issuer registry of a region; throws for a region the function may not write. */
  constructor(private readonly registryIn: (region: string) => Registry) {}

  async handle(request: CustomResourceRequest): Promise<CustomResourceResponse> {
    if (request.RequestType === 'Delete') {
      // An id that is not ours belongs to a create that failed before anything was written.
      const registered = parsePhysicalId(request.PhysicalResourceId);
      if (registered) await this.registryIn(registered.region).deregister(registered.issuer);
      return { PhysicalResourceId: request.PhysicalResourceId };
    }
    const { Region, Registration } = issuerRegistrationPropertiesSchema.parse(request.ResourceProperties);
    await this.registryIn(Region).register(Registration);
    return { PhysicalResourceId: physicalIdOf(Region, Registration.issuer), Data: { Issuer: Registration.issuer } };
  }
}
