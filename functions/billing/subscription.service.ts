import type { AuditEvent } from '../audit/audit-chain';
import { ConfigError } from '../core/config';
import { ConflictError, NotFoundError, PreconditionFailedError } from '../core/errors';
import { etagOf, ifMatchAccepts } from '../core/request-conventions';
import type { MutationContext, MutationResult } from '../data/mutation.context';
import type { MutationExecutor, StoredResponse } from '../data/mutation.executor';
import type { QuotaName } from '../quotas/quota.counters';
import { tenantRecordWrites } from '../tenants/tenant.repository';
import type { Tenant } from '../tenants/tenant.schema';
import { PLANS, type PlanId } from './plan.catalogue';
import { periodOf, prorationOf } from './proration';
import { subscriptionWrite, type CurrentUsage } from './subscription.repository';
import { BILLING_CURRENCY, type Subscription, type SubscriptionChange } from './subscription.schema';
import type { UsageKeyBinding } from './usage-key.binding';

export interface SubscriptionServiceOptions {
  readonly subscriptions: { get(tenantId: string): Promise<Subscription | undefined> };
  readonly tenants: { get(tenantId: string): Promise<Tenant | undefined> };
  readonly usage: (tenantId: string, now: Date) => Promise<CurrentUsage>;
  readonly mutations: Pick<MutationExecutor, 'execute'>;
  /** @default none: plan changes are refused (ConfigError), never recorded without moving the key */
  readonly usageKeys?: UsageKeyBinding;
  /** @default the system clock */
  readonly clock?: () => Date;
}

/** A limit of the smaller plan that the tenant's current usage exceeds. */
export interface UnfitLimit {
  readonly limit: QuotaName;
  readonly current: number;
  readonly allowed: number;
}

/**
 * A tenant's subscription: one per tenant, in its billing partition. The plan is also on the tenant record (quota
 * checks read it there), and both change in one audited transaction. An upgrade takes effect at once, prorated for
 * the days left in the period, and moves the tenant's API key to the new usage plan; a downgrade waits for the end
 * of the period and is accepted only when current usage fits the smaller plan; cancelling takes effect at the end of
 * the period.
 */
export class SubscriptionService {
  private readonly clock: () => Date;

  constructor(private readonly options: SubscriptionServiceOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** The tenant's subscription; a tenant without one yet has its record's plan, active, from the month it was created. */
  async get(tenantId: string): Promise<Subscription> {
    const [stored, tenant] = await Promise.all([this.options.subscriptions.get(tenantId), this.options.tenants.get(tenantId)]);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    return stored ?? this.initial(tenant);
  }

  async update(context: MutationContext, change: SubscriptionChange): Promise<MutationResult> {
    const { tenantId } = context;
    if (change.plan !== undefined && !this.options.usageKeys) {
      throw new ConfigError('invalid runtime configuration: USAGE_KEY_BINDING is required to change plans');
    }
    const [stored, tenant] = await Promise.all([this.options.subscriptions.get(tenantId), this.options.tenants.get(tenantId)]);
    if (!tenant) throw new NotFoundError(`tenant ${tenantId} not found`);
    const current = stored ?? this.initial(tenant);
    if (!ifMatchAccepts(context.ifMatch, current.version)) throw new PreconditionFailedError(`the subscription is at version ${current.version}`);
    const now = this.clock();
    const planned = change.plan === undefined ? { next: current, upgrade: false } : await this.withPlan(current, change.plan, now);
    const next: Subscription = {
      ...planned.next,
      ...(change.cancelAtPeriodEnd !== undefined ? { cancelAtPeriodEnd: change.cancelAtPeriodEnd } : {}),
      version: current.version + 1,
      updatedAt: now.toISOString(),
    };
    const response: StoredResponse = { status: 200, body: next, headers: { etag: etagOf(next.version) } };
    const outcome = await this.options.mutations.execute({
      tenantId,
      event: this.event(context, current, next),
      writes: [
        subscriptionWrite(next, stored?.version),
        ...(planned.upgrade ? [tenantRecordWrites.update(tenantId, tenant.version, { plan: next.plan }, next.updatedAt)] : []),
      ],
      ...(context.idempotency ? { idempotency: context.idempotency, response } : {}),
    });
    // After the transaction, and again on a retry or a replay: moving the key is idempotent, and a failure here
    // answers 5xx with the plan recorded, so the client's retry completes it.
    if (change.plan !== undefined) await this.options.usageKeys?.bind(tenantId, outcome.replayed ? change.plan : next.usageKeyPlan);
    return outcome.replayed ? { response: outcome.response, replayed: true } : { response, replayed: false };
  }

  /** The subscription after asking for `plan`: upgrade now, downgrade at the period's end, or keep the current one. */
  private async withPlan(current: Subscription, plan: PlanId, now: Date): Promise<{ next: Subscription; upgrade: boolean }> {
    const from = PLANS[current.plan];
    const to = PLANS[plan];
    if (plan === current.plan) {
      const { pendingChange: _dropped, ...kept } = current;
      return { next: kept, upgrade: false };
    }
    if (to.monthlyPriceCents > from.monthlyPriceCents) {
      const period = this.periodAt(current, now);
      const amount = prorationOf(from.monthlyPriceCents, to.monthlyPriceCents, period, now);
      const { pendingChange: _dropped, ...kept } = current;
      const proration = { at: now.toISOString(), fromPlan: from.id, toPlan: to.id, amount, currency: BILLING_CURRENCY } as const;
      return { next: { ...kept, plan, usageKeyPlan: plan, prorations: [...current.prorations, proration] }, upgrade: true };
    }
    const unfit = unfitLimits(await this.options.usage(current.tenantId, now), plan);
    if (unfit.length > 0) {
      throw new ConflictError(`the ${to.title} plan does not fit the current usage: ${unfit.map((u) => `${u.limit} ${u.current} > ${u.allowed}`).join(', ')}`, {
        plan,
        doesNotFit: unfit,
      });
    }
    return { next: { ...current, pendingChange: { plan, effectiveAt: this.periodAt(current, now).end } }, upgrade: false };
  }

  /** The stored period while it lasts; the month of `now` once it is over and not yet closed. */
  private periodAt(current: Subscription, now: Date) {
    return Date.parse(current.currentPeriod.end) > now.getTime() ? current.currentPeriod : periodOf(now);
  }

  /** The subscription of a tenant that never had one stored (see firstSubscription). */
  private initial(tenant: Tenant): Subscription {
    return firstSubscription(tenant);
  }

  private event(context: MutationContext, before: Subscription, after: Subscription): AuditEvent {
    return {
      actor: context.actor,
      requestId: context.requestId,
      action: 'subscription.update',
      target: `subscription/${context.tenantId}`,
      change: {
        fromPlan: before.plan,
        plan: after.plan,
        ...(after.pendingChange ? { pendingPlan: after.pendingChange.plan, effectiveAt: after.pendingChange.effectiveAt } : {}),
        cancelAtPeriodEnd: after.cancelAtPeriodEnd,
        ...(after.prorations.length > before.prorations.length ? { proration: after.prorations[after.prorations.length - 1].amount } : {}),
      },
    };
  }
}

/**
 * The subscription of a tenant that never had one stored: its record's plan, active, from the month it was created
 * (the period close invoices that month first; a change after it prorates against the month it happens in).
 */
export function firstSubscription(tenant: Tenant): Subscription {
  return {
    tenantId: tenant.tenantId,
    plan: tenant.plan,
    status: 'active',
    currentPeriod: periodOf(new Date(tenant.createdAt)),
    cancelAtPeriodEnd: false,
    prorations: [],
    paymentProvider: { name: 'manual' },
    usageKeyPlan: tenant.plan,
    version: 0,
    updatedAt: tenant.createdAt,
  };
}

/** The limits of `plan` that current usage exceeds. */
export function unfitLimits(usage: CurrentUsage, plan: PlanId): UnfitLimit[] {
  const limits = PLANS[plan].limits;
  return (Object.entries(usage) as [QuotaName, number][])
    .filter(([limit, current]) => current > limits[limit])
    .map(([limit, current]) => ({ limit, current, allowed: limits[limit] }));
}
