import type { Pluggable } from '@aws-sdk/types';

/** Capacity units one DynamoDB call consumed, as the table reported them. */
export interface ConsumedUnits {
  readonly readUnits: number;
  readonly writeUnits: number;
}

/** Receives what each call of a tenant's client consumed. */
export type ConsumedCapacityObserver = (tenantId: string, units: ConsumedUnits) => void;

const READS = new Set(['GetItemCommand', 'QueryCommand', 'BatchGetItemCommand', 'TransactGetItemsCommand']);
const WRITES = new Set(['PutItemCommand', 'UpdateItemCommand', 'DeleteItemCommand', 'BatchWriteItemCommand', 'TransactWriteItemsCommand']);

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

/** Read and write units of a call's `ConsumedCapacity` (one object, or one per table for batches and transactions). */
export function unitsOf(commandName: string, consumed: Capacity | readonly Capacity[] | undefined): ConsumedUnits {
  const entries = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed as Capacity];
  let readUnits = 0;
  let writeUnits = 0;
  for (const entry of entries) {
    // Transactions report both kinds; single calls only the total, whose kind is the command's.
    if (entry.ReadCapacityUnits !== undefined || entry.WriteCapacityUnits !== undefined) {
      readUnits += entry.ReadCapacityUnits ?? 0;
      writeUnits += entry.WriteCapacityUnits ?? 0;
    } else if (WRITES.has(commandName)) {
      writeUnits += entry.CapacityUnits ?? 0;
    } else {
      readUnits += entry.CapacityUnits ?? 0;
    }
  }
  return { readUnits, writeUnits };
}

/**
 * Asks every item call of a tenant's client for its consumed capacity (`ReturnConsumedCapacity: TOTAL`) and hands
 * the units to the observer: the base of the tenant's DynamoDB cost. A call the caller already asked for capacity
 * keeps its own setting; the observer never fails the call.
 */
export function consumedCapacityPlugin<Input extends object, Output extends object>(
  tenantId: string,
  observe: ConsumedCapacityObserver,
): Pluggable<Input, Output> {
  return {
    applyToStack(stack) {
      stack.add(
        (next, context) => async (args) => {
          const commandName = String(context.commandName ?? '');
          if (!READS.has(commandName) && !WRITES.has(commandName)) return next(args);
          const input = args.input as { ReturnConsumedCapacity?: string };
          input.ReturnConsumedCapacity ??= 'TOTAL';
          const result = await next(args);
          const output = result.output as { ConsumedCapacity?: Capacity | Capacity[] };
          const units = unitsOf(commandName, output.ConsumedCapacity);
          if (units.readUnits > 0 || units.writeUnits > 0) {
            try {
              observe(tenantId, units);
            } catch {
              // Attribution must never fail a request.
            }
          }
          return result;
        },
        { step: 'initialize', priority: 'low', name: 'consumedCapacity', override: true },
      );
    },
  };
}
