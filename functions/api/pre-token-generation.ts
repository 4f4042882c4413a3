import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';
import { tenantIdSchema } from '../data/keys';
import { addTenantClaims } from '../identity/pre-token.service';

/**
 * Not a route group: the pre-token-generation trigger of one tenant's user pool. TENANT_ID is set by the tenant's
 * stack; the function reaches no data and no other AWS service.
 */
export function createHandler(tenantId: string) {
  const tenant = tenantIdSchema.parse(tenantId);
  return async (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> => addTenantClaims(event, tenant);
}

let handle: ((event: PreTokenGenerationTriggerEvent) => Promise<PreTokenGenerationTriggerEvent>) | undefined;

export const handler = (event: PreTokenGenerationTriggerEvent): Promise<PreTokenGenerationTriggerEvent> => {
  handle ??= createHandler(process.env.TENANT_ID ?? '');
  return handle(event);
};
