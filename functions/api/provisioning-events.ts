import type { EventBridgeEvent } from 'aws-lambda';
import type { RuntimeConfig } from './runtime-config';
import type { Logger } from '../core/logger';
import { parseProvisioningResult } from '../tenants/onboarding.events';
import type { TenantLifecycleService } from '../tenants/tenant-lifecycle.service';
import { lazyHandler, writingMeter } from './dependencies';
import { createLifecycleDependencies } from './lifecycle.dependencies';
import { TENANT_DATA_CATALOGUE } from '../tenant-data.catalogue';

/**
 * Not a route group: the target of the EventBridge rule on the provisioning pipeline's answers
 * (source `agent-platform.provisioning`), in the control-plane region. It moves the tenant to ACTIVE (and invites
 * its first admins), FAILED, or, after offboarding, purges its data and releases its slug (DELETED). A failure
 * throws, so EventBridge retries and finally sends the event to the rule's dead-letter queue.
 */

export interface ProvisioningEventsDependencies {
  readonly logger: Logger;
  readonly lifecycle: Pick<TenantLifecycleService, 'complete'>;
}

export type ProvisioningEventHandler = (event: EventBridgeEvent<string, unknown>) => Promise<void>;

export function createHandler(
  config: RuntimeConfig,
  deps: ProvisioningEventsDependencies = createLifecycleDependencies(config, 'provisioning-events', { catalogue: TENANT_DATA_CATALOGUE }),
): ProvisioningEventHandler {
  return writingMeter(config, async (event: EventBridgeEvent<string, unknown>) => {
    const result = parseProvisioningResult(event);
    deps.logger.info('provisioning result', { kind: result.kind, tenantId: result.detail.tenantId, eventId: event.id });
    await deps.lifecycle.complete(result, event.id);
  });
}

export const handler = lazyHandler(createHandler);
