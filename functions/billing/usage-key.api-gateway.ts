import {
  type APIGatewayClient,
  ConflictException,
  CreateUsagePlanKeyCommand,
  DeleteUsagePlanKeyCommand,
  GetApiKeysCommand,
  GetUsagePlansCommand,
  NotFoundException,
} from '@aws-sdk/client-api-gateway';
import { NotFoundError } from '../core/errors';
import { tenantApiKeyName, usagePlanName } from '../identity/usage-identifier';
import { PLAN_IDS, type PlanId } from './plan.catalogue';
import type { UsageKeyBinding } from './usage-key.binding';

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
 */
export class ApiGatewayUsageKeyBinding implements UsageKeyBinding {
  private usagePlanIds: Promise<Record<PlanId, string>> | undefined;

  constructor(private readonly options: ApiGatewayUsageKeyBindingOptions) {}

  async bind(tenantId: string, plan: PlanId): Promise<void> {
    const [keyId, usagePlanIds] = await Promise.all([this.keyIdOf(tenantId), this.planIds()]);
    const { client } = this.options;
    for (const other of PLAN_IDS) {
      if (other === plan) continue;
      await client.send(new DeleteUsagePlanKeyCommand({ usagePlanId: usagePlanIds[other], keyId })).catch(ignore(NotFoundException));
    }
    await client.send(new CreateUsagePlanKeyCommand({ usagePlanId: usagePlanIds[plan], keyId, keyType: 'API_KEY' })).catch(ignore(ConflictException));
  }

  /** The id of the tenant's key, by its name (the tenant stack names it). */
  private async keyIdOf(tenantId: string): Promise<string> {
    const name = tenantApiKeyName(this.options.stage, tenantId);
    const { items } = await this.options.client.send(new GetApiKeysCommand({ nameQuery: name, limit: 500 }));
    const key = items?.find((item) => item.name === name);
    if (!key?.id) throw new NotFoundError(`tenant ${tenantId} has no API key ${name} in this region: is its stack deployed?`);
    return key.id;
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

function ignore(type: new (...args: never[]) => Error): (error: unknown) => void {
  return (error) => {
    if (!(error instanceof type)) throw error;
  };
}
