import {
  type APIGatewayClient,
  ConflictException,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { NotFoundError } from '../core/errors';
import { tenantApiKeyName, usageIdentifierKey, usagePlanName } from '../identity/usage-identifier';
import { PLAN_IDS, type PlanId } from './plan.catalogue';
import { MIGRATION_KEY_TAG, type UsageKeyBinding, type UsageKeyProvisioning, type UsageKeyRelease } from './usage-key.binding';

export interface ApiGatewayUsageKeyBindingOptions {
  readonly client: Pick<APIGatewayClient, 'send'>;
  readonly stage: string;
}

/**
 * Binds a tenant's API key to a plan's usage plan through the API Gateway API. A key may be in only one usage plan
 * of a stage, so it leaves the other plans first, then joins the new one; for the few milliseconds between, its
 * requests are refused (403) rather than metered by the wrong plan. Each step tolerates having been done already,
 * so a retried change completes. Usage plans and keys are found by their names: their ids are assigned by API
 * Gateway, and passing them to the functions would make the API's functions depend on its own stage.
 *
 * `ensure` also makes the key where no key of its name exists (a migration's target region, where the tenant's stack
 * was never deployed): named and valued as the tenant stack's (lib/constructs/tenant-api-key.ts), enabled, so the
 * authorizer's `usageIdentifierKey` finds it there, and tagged as a migration's. API Gateway keeps key values unique per
 * region, so a later deployment of the tenant's stack in that region, which makes its own key of that value, needs
 * this one gone first: `releaseMigrationKey` deletes it (the tenant stack's custom resource calls it just before the
 * stack makes its key), and never a key without the tag.
 */
export class ApiGatewayUsageKeyBinding implements UsageKeyBinding, UsageKeyProvisioning, UsageKeyRelease {
  private usagePlanIds: Promise<Record<PlanId, string>> | undefined;

  constructor(private readonly options: ApiGatewayUsageKeyBindingOptions) {}

  async bind(tenantId: string, plan: PlanId): Promise<void> {
    const [keyId, usagePlanIds] = await Promise.all([this.keyIdOf(tenantId), this.planIds()]);
    await this.bindKey(keyId, plan, usagePlanIds);
  }

  /** The tenant's key exists (made when no key has its name) and is in the plan's usage plan, only there. */
  async ensure(tenantId: string, plan: PlanId): Promise<void> {
    const [keyId, usagePlanIds] = await Promise.all([this.existingKeyIdOf(tenantId), this.planIds()]);
    await this.bindKey(keyId, plan, usagePlanIds);
  }

  private async bindKey(keyId: string, plan: PlanId, usagePlanIds: Record<PlanId, string>): Promise<void> {
    const { client } = this.options;
    for (const other of PLAN_IDS) {
      if (other === plan) continue;
      await client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: usagePlanIds[other], keyId })).catch(ignore(NotFoundException));
    }
    await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: usagePlanIds[plan], keyId, keyType: 'API_KEY' })).catch(ignore(ConflictException));
  }

  /** The id of the tenant's key, by its name (the tenant stack names it). */
  private async keyIdOf(tenantId: string): Promise<string> {
    const id = await this.findKeyId(tenantId);
    if (!id)
      throw new NotFoundError(`tenant ${tenantId} has no API key ${tenantApiKeyName(this.options.stage, tenantId)} in this region: is its stack deployed?`);
    return id;
  }

  /**
   * The id of the tenant's key, made first when no key has its name. A conflict (made meanwhile by another run, or a
   * key of that value under another name) is read again by name; a key that still is not found is refused.
   */
  private async existingKeyIdOf(tenantId: string): Promise<string> {
    const found = await this.findKeyId(tenantId);
    if (found) return found;
    const { stage, client } = this.options;
    const created = await client
      .send(
        new CreateApiKeyCommand({
          name: tenantApiKeyName(stage, tenantId),
          value: usageIdentifierKey(stage, tenantId),
          enabled: true,
          description: `Usage plan key of tenant ${tenantId}, made when the tenant migrated to this region; named by the authorizer, never sent by callers`,
          tags: { [MIGRATION_KEY_TAG.key]: MIGRATION_KEY_TAG.value },
        }),
      )
      .catch(ignore(ConflictException));
    return created?.id ?? (await this.keyIdOf(tenantId));
  }

  async releaseMigrationKey(tenantId: string): Promise<boolean> {
    const key = await this.findKey(tenantId);
    if (!key?.id || key.tags?.[MIGRATION_KEY_TAG.key] !== MIGRATION_KEY_TAG.value) return false;
    await this.options.client.send(new DeleteApiKeyCommand({ apiKey: key.id })).catch(ignore(NotFoundException));
    return true;
  }

  private async findKeyId(tenantId: string): Promise<string | undefined> {
    return (await this.findKey(tenantId))?.id;
  }

  private async findKey(tenantId: string): Promise<{ id?: string; tags?: Record<string, string> } | undefined> {
    const name = tenantApiKeyName(this.options.stage, tenantId);
    const { items } = await this.options.client.send(new GetApiKeysCommand({ nameQuery: name, limit: 500 }));
    return items?.find((item) => item.name === name);
  }

  /** The usage plan id of each plan, read once per function instance (usage plans live as long as the region stack). */
  private planIds(): Promise<Record<PlanId, string>> {
    this.usagePlanIds ??= this.readPlanIds().catch((error: unknown) => {
      this.usagePlanIds = undefined;
      throw error;
    });
    return this.usagePlanIds;
  }

  private async readPlanIds(): Promise<Record<PlanId, string>> {
    const byName = new Map<string, string>();
    let position: string | undefined;
    do {
      const page = await this.options.client.send(new GetUsagePlansCommand({ limit: 500, ...(position ? { position } : {}) }));
      for (const item of page.items ?? []) if (item.name && item.id) byName.set(item.name, item.id);
      position = page.position;
    } while (position);
    const ids = PLAN_IDS.map((plan) => [plan, byName.get(usagePlanName(this.options.stage, plan))] as const);
    const missing = ids.filter(([, id]) => id === undefined).map(([plan]) => usagePlanName(this.options.stage, plan));
    if (missing.length > 0) throw new Error(`usage plans ${missing.join(', ')} are missing in this region`);
    return Object.fromEntries(ids) as Record<PlanId, string>;
  }
}

function ignore(type: new (...args: never[]) => Error): (error: unknown) => undefined {
  return (error) => {
    if (!(error instanceof type)) throw error;
    return undefined;
  };
}
