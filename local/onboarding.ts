import { dirname, join } from 'node:path';
import { parseRuntimeConfig, type RuntimeConfig } from '../functions/api/runtime-config';
import { createHandler as createProvisioningEventsHandler, type ProvisioningEventHandler } from '../functions/api/provisioning-events';
import {
  ONBOARDING_DETAIL_TYPES,
  ONBOARDING_EVENT_SOURCE,
  offboardingRequestedSchema,
  PROVISIONING_DETAIL_TYPES,
  PROVISIONING_EVENT_SOURCE,
  provisioningRequestedSchema,
} from '../functions/tenants/onboarding.events';
import { startLocalEventBus, type LocalEvent, type LocalEventBus } from './event-bus';
import { LOCAL_STAGE } from './platform.config';
import { connectLocalProvisioner, type LocalProvisionerConnection } from './provisioner';

/**
 * Onboarding on the local platform, wired as in AWS: the tenants function puts an onboarding request on the
 * (local) EventBridge bus; a rule hands it to the local provisioner, which does what the CodeBuild `cdk deploy` /
 * `cdk destroy` of a TenantStack does (against cognito-local) and puts its answer on the bus; a second rule hands
 * the answer to the provisioning-events function, which moves the tenant to ACTIVE, FAILED or DELETED.
 */

export interface LocalOnboardingOptions {
  readonly dynamoDbEndpoint: string;
  readonly cognitoEndpoint: string;
  /** Every residency region; the first is the control plane's. */
  readonly regions: readonly string[];
  readonly tableName: string;
  /** Folder of the local mailbox (invitations). */
  readonly mailboxDir: string;
  /** The functions' other environment (CURSOR_SECRET, ...), as the gateway passes it. */
  readonly environment: Readonly<Record<string, string>>;
  /** @default 'WARN' */
  readonly logLevel?: RuntimeConfig['LOG_LEVEL'];
  /** Progress lines (one per provisioning step). */
  readonly log: (line: string) => void;
}

export interface LocalOnboarding {
  /** Environment every function gets: endpoints of the local bus and cognito-local, the mailbox, the regions. */
  readonly environment: Readonly<Record<string, string>>;
  readonly bus: LocalEventBus;
  /** Tells the provisioning-events function the regional API URLs, once the gateway has its ports. */
  setRegionEndpoints(endpoints: Readonly<Record<string, string>>): void;
  stop(): Promise<void>;
}

/** The onboarding environment of the functions for a local platform. */
export function localOnboardingEnvironment(options: { cognitoEndpoint: string; eventBusEndpoint: string; regions: readonly string[]; mailboxDir: string }) {
  return {
    CONTROL_PLANE_REGION: options.regions[0],
    DIRECTORY_REGIONS: options.regions.join(','),
    COGNITO_ENDPOINT: options.cognitoEndpoint,
    // Migrations move a tenant's users to its pool in the target region, made there as the provisioner makes pools.
    TENANT_POOLS: 'make',
    EVENTBRIDGE_ENDPOINT: options.eventBusEndpoint,
    MAIL_TRANSPORT: 'mailbox',
    MAILBOX_DIR: options.mailboxDir,
    // Tenants' own model credentials: the encrypted file store beside the mailbox in the local data folder.
    CREDENTIAL_STORE: 'file',
    CREDENTIAL_STORE_DIR: join(dirname(options.mailboxDir), 'credentials'),
  };
}

/** The CodeBuild project's part: creates or removes the tenant's user pool and answers on the bus. */
function subscribeProvisioner(bus: LocalEventBus, options: LocalOnboardingOptions, provisioner: () => LocalProvisionerConnection['provisioner']): void {
  const answer = (detailType: string, detail: unknown) =>
    bus.put([{ Source: PROVISIONING_EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) }]);

  bus.subscribe({ source: [ONBOARDING_EVENT_SOURCE], detailType: [ONBOARDING_DETAIL_TYPES.provisioningRequested] }, async (event: LocalEvent) => {
    const request = provisioningRequestedSchema.parse(event.detail);
    options.log(`provisioning tenant ${request.tenantId} (${request.homeRegion}): user pool, app client, groups`);
    try {
      const pool = await provisioner().provisionTenantPool(request.tenantId, request.homeRegion);
      answer(PROVISIONING_DETAIL_TYPES.provisioningSucceeded, {
        tenantId: request.tenantId,
        auth: { ...pool, cognitoEndpoint: options.cognitoEndpoint, region: request.homeRegion },
      });
    } catch (error) {
      options.log(`provisioning tenant ${request.tenantId} failed: ${(error as Error).message}`);
      answer(PROVISIONING_DETAIL_TYPES.provisioningFailed, { tenantId: request.tenantId, reason: (error as Error).message.slice(0, 2000) });
    }
  });
  bus.subscribe({ source: [ONBOARDING_EVENT_SOURCE], detailType: [ONBOARDING_DETAIL_TYPES.offboardingRequested] }, async (event: LocalEvent) => {
    const request = offboardingRequestedSchema.parse(event.detail);
    options.log(`offboarding tenant ${request.tenantId}: removing its user pool`);
    if (request.auth) await provisioner().deprovisionTenantPool(request.auth);
    answer(PROVISIONING_DETAIL_TYPES.offboardingCompleted, { tenantId: request.tenantId });
  });
}

/** Starts the local bus with its two rules. */
export async function startLocalOnboarding(options: LocalOnboardingOptions): Promise<LocalOnboarding> {
  const controlPlane = options.regions[0];
  const bus = await startLocalEventBus({ region: controlPlane, log: options.log });
  const environment = {
    ...options.environment,
    ...localOnboardingEnvironment({
      cognitoEndpoint: options.cognitoEndpoint,
      eventBusEndpoint: bus.endpoint,
      regions: options.regions,
      mailboxDir: options.mailboxDir,
    }),
  };
  let connection: LocalProvisionerConnection | undefined;
  const provisioner = () =>
    (connection ??= connectLocalProvisioner({
      dynamoDbEndpoint: options.dynamoDbEndpoint,
      cognitoEndpoint: options.cognitoEndpoint,
      regions: options.regions,
      tableName: options.tableName,
    })).provisioner;
  let endpoints: Readonly<Record<string, string>> = {};
  let handler: ProvisioningEventHandler | undefined;

  subscribeProvisioner(bus, options, provisioner);

  // The provisioning-events function's part.
  bus.subscribe({ source: [PROVISIONING_EVENT_SOURCE] }, async (event: LocalEvent) => {
    handler ??= createProvisioningEventsHandler(
      parseRuntimeConfig({
        ...environment,
        AWS_REGION: controlPlane,
        TABLE_NAME: options.tableName,
        DYNAMODB_ENDPOINT: options.dynamoDbEndpoint,
        STAGE: LOCAL_STAGE,
        REGION_ENDPOINTS: JSON.stringify(endpoints),
        DATA_CREDENTIALS: 'local',
        LOG_LEVEL: options.logLevel ?? 'WARN',
      }),
    );
    await handler(event);
    options.log(`tenant ${(event.detail as { tenantId?: string }).tenantId}: ${event['detail-type'].toLowerCase()}`);
  });

  return {
    environment,
    bus,
    setRegionEndpoints: (next) => {
      endpoints = next;
      handler = undefined;
    },
    stop: async () => {
      await bus.close();
      connection?.close();
    },
  };
}
