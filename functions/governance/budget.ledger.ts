import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { anyOf, attributeAbsent, attributeAtMost } from '../data/conditions';
import * as keys from '../data/table-keys';
import { updateOf } from '../data/updates';

/**
 * The spend ledger: one item per budget scope and month holding, in micro-dollars,
 *
 *   committed = settled spend + the estimates of calls in flight,   spent = settled spend,   steps = settled calls
 *
 * A model call first RESERVES its estimate: one conditional UpdateItem `ADD committed :estimate` under the condition
 * `committed <= cap - estimate` (DynamoDB conditions compare, they do not add, so the room is computed here from the
 * cap). Under any concurrency, committed therefore never exceeds the cap. After the call, SETTLE replaces the
 * estimate by the real cost (`ADD committed :real-estimate, spent :real`); a call that fails RELEASES its estimate.
 * Estimates are upper bounds (see budget.pricing.ts), so spend stays within the cap; should a provider report more
 * than estimated, the excess is that one call's and every later reservation is refused.
 */

export const LEDGER_ATTRIBUTES = { committed: 'committed', spent: 'spent', steps: 'steps', alertOf: (threshold: number) => `alert${threshold}` } as const;

export type BudgetScopeKind = 'tenant' | 'agent' | 'api-key';

/** What the tenant's spend is broken down by. */
export const SPEND_DIMENSIONS = ['model', 'agent', 'workflow', 'apiKey'] as const;
export type SpendDimension = (typeof SPEND_DIMENSIONS)[number];

/** The ledger attribute of one dimension's value: `by:model:amazon.nova-lite-v1:0`. */
function spendAttribute(dimension: SpendDimension, id: string): string {
  return `by:${dimension}:${id}`;
}

/** One budget a call counts against, with its cap for the month. */
export interface BudgetScope {
  readonly kind: BudgetScopeKind;
  /** The agent or API key id; absent for the tenant's own budget. */
  readonly id?: string;
  readonly capMicros: number;
}

/** The key segments of a scope's ledger item. */
export function scopeSegments(scope: Pick<BudgetScope, 'kind' | 'id'>): string[] {
  if (scope.kind === 'tenant') return ['TENANT'];
  return [scope.kind === 'agent' ? 'AGENT' : 'APIKEY', scope.id ?? ''];
}

/** A scope's name in messages and alerts: `tenant`, `agent a1`, `api-key k1`. */
export function scopeLabel(scope: Pick<BudgetScope, 'kind' | 'id'>): string {
  return scope.kind === 'tenant' ? 'tenant' : `${scope.kind} ${scope.id}`;
}

export interface Reservation {
  readonly tenantId: string;
  readonly period: string;
  readonly scopes: readonly BudgetScope[];
  readonly estimateMicros: number;
}

/** Where a scope's ledger stands. */
export interface LedgerState {
  readonly scope: BudgetScope;
  readonly committedMicros: number;
  readonly spentMicros: number;
  readonly steps: number;
  /** Thresholds already claimed this period. */
  readonly alerted: readonly number[];
  /** When the budget first refused a call this period (its 100 % alert). */
  readonly exhaustedAt?: string;
  /** Settled spend by model, agent, workflow and API key (the tenant's own ledger only). */
  readonly by: Readonly<Record<SpendDimension, Readonly<Record<string, number>>>>;
}

export type ReserveOutcome = { readonly reserved: Reservation } | { readonly refused: BudgetScope };

export interface BudgetLedgerOptions {
  /** The tenant-scoped client of a tenant. */
  readonly db: (tenantId: string) => DynamoDBDocumentClient;
  readonly tableName: string;
  /** Attempts of a reservation over several scopes that meets a TransactionConflict. @default 8 */
  readonly maxAttempts?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const A = LEDGER_ATTRIBUTES;

type LedgerUpdate = ReturnType<typeof updateOf> & { readonly TableName: string; readonly Key: Record<string, unknown> };

export class BudgetLedger {
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: BudgetLedgerOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((done) => setTimeout(done, ms)));
  }

  /**
   * Reserves the estimate on every scope at once, or on none: one conditional UpdateItem for one scope, one
   * TransactWriteItems for several. A scope whose cap cannot take the estimate refuses it.
   */
  async reserve(tenantId: string, period: string, scopes: readonly BudgetScope[], estimateMicros: number): Promise<ReserveOutcome> {
    const tooSmall = scopes.find((scope) => scope.capMicros - estimateMicros < 0);
    if (tooSmall) return { refused: tooSmall };
    const updates = scopes.map(
      (scope): LedgerUpdate => ({
        TableName: this.options.tableName,
        Key: keys.budgetLedger(tenantId, period, ...scopeSegments(scope)),
        ...updateOf(
          { add: { [A.committed]: estimateMicros } },
          anyOf(attributeAbsent(A.committed), attributeAtMost(A.committed, scope.capMicros - estimateMicros)),
        ),
      }),
    );
    const reserved = { reserved: { tenantId, period, scopes, estimateMicros } };
    if (updates.length === 1) {
      try {
        await this.options.db(tenantId).send(new UpdateCommand(updates[0]));
        return reserved;
      } catch (error) {
        if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return { refused: scopes[0] };
        throw error;
      }
    }
    return this.reserveAll(tenantId, scopes, updates, reserved);
  }

  private async reserveAll(
    tenantId: string,
    scopes: readonly BudgetScope[],
    updates: readonly LedgerUpdate[],
    reserved: { reserved: Reservation },
  ): Promise<ReserveOutcome> {
    const maxAttempts = this.options.maxAttempts ?? 8;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.db(tenantId).send(new TransactWriteCommand({ TransactItems: updates.map((Update) => ({ Update })) }));
        return reserved;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons ?? [];
        const refused = reasons.findIndex((reason) => reason.Code === 'ConditionalCheckFailed');
        if (refused >= 0) return { refused: scopes[refused] };
        if (attempt >= maxAttempts) throw error;
        await this.sleep(Math.random() * 10 * 2 ** attempt);
      }
    }
  }

  /**
   * Replaces the reservation by the real cost on every scope; returns where each scope stands after it. The tenant's
   * own ledger also adds the cost to its spend by model, agent, workflow and API key (`attribution`), in the same
   * update.
   */
  async settle(reservation: Reservation, actualMicros: number, attribution: Partial<Record<SpendDimension, string>> = {}): Promise<LedgerState[]> {
    return Promise.all(
      reservation.scopes.map(async (scope) => {
        const dimensions = scope.kind === 'tenant' ? Object.entries(attribution).filter(([, id]) => id) : [];
        const byDimension = Object.fromEntries(dimensions.map(([dimension, id]) => [spendAttribute(dimension as SpendDimension, id as string), actualMicros]));
        const { Attributes } = await this.options.db(reservation.tenantId).send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: keys.budgetLedger(reservation.tenantId, reservation.period, ...scopeSegments(scope)),
            ...updateOf({ add: { [A.committed]: actualMicros - reservation.estimateMicros, [A.spent]: actualMicros, [A.steps]: 1, ...byDimension } }),
            ReturnValues: 'ALL_NEW',
          }),
        );
        return stateOf(scope, Attributes);
      }),
    );
  }

  /** Gives a failed call's estimate back. */
  async release(reservation: Reservation): Promise<void> {
    await Promise.all(
      reservation.scopes.map((scope) =>
        this.options.db(reservation.tenantId).send(
          new UpdateCommand({
            TableName: this.options.tableName,
            Key: keys.budgetLedger(reservation.tenantId, reservation.period, ...scopeSegments(scope)),
            ...updateOf({ add: { [A.committed]: -reservation.estimateMicros } }),
          }),
        ),
      ),
    );
  }

  /**
   * Claims the alert of a threshold for the scope and period: true for exactly one caller, ever, whatever the
   * concurrency (a conditional write on the ledger item), so each alert goes out once.
   */
  async claimAlert(tenantId: string, period: string, scope: BudgetScope, threshold: number, at: string): Promise<boolean> {
    try {
      await this.options.db(tenantId).send(
        new UpdateCommand({
          TableName: this.options.tableName,
          Key: keys.budgetLedger(tenantId, period, ...scopeSegments(scope)),
          ...updateOf({ set: { [A.alertOf(threshold)]: at } }, attributeAbsent(A.alertOf(threshold))),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }

  /** Where a scope stands (strongly consistent). */
  async read(tenantId: string, period: string, scope: BudgetScope): Promise<LedgerState> {
    const { Item } = await this.options
      .db(tenantId)
      .send(new GetCommand({ TableName: this.options.tableName, Key: keys.budgetLedger(tenantId, period, ...scopeSegments(scope)), ConsistentRead: true }));
    return stateOf(scope, Item);
  }
}

const ALERT_ATTRIBUTE = /^alert(\d{1,3})$/;

function breakdownOf(item: Record<string, unknown> | undefined): LedgerState['by'] {
  const by = Object.fromEntries(SPEND_DIMENSIONS.map((dimension) => [dimension, {} as Record<string, number>])) as Record<
    SpendDimension,
    Record<string, number>
  >;
  for (const [name, value] of Object.entries(item ?? {})) {
    const [mark, dimension, ...id] = name.split(':');
    if (mark === 'by' && (SPEND_DIMENSIONS as readonly string[]).includes(dimension)) by[dimension as SpendDimension][id.join(':')] = Number(value);
  }
  return by;
}

/** Where a scope stands, from its ledger item as read. */
export function stateOf(scope: BudgetScope, item: Record<string, unknown> | undefined): LedgerState {
  const alerted = Object.keys(item ?? {})
    .flatMap((name) => {
      const match = ALERT_ATTRIBUTE.exec(name);
      return match ? [Number(match[1])] : [];
    })
    .sort((a, b) => a - b);
  return {
    scope,
    committedMicros: Number(item?.[A.committed] ?? 0),
    spentMicros: Number(item?.[A.spent] ?? 0),
    steps: Number(item?.[A.steps] ?? 0),
    alerted,
    ...(typeof item?.[A.alertOf(100)] === 'string' ? { exhaustedAt: item[A.alertOf(100)] as string } : {}),
    by: breakdownOf(item),
  };
}
