import type { Operation } from './core/http';
import type { RouteDefinition } from './core/route';
import type { ItemWrite } from './data/mutation.executor';
import { conditionOf, itemExists } from './data/conditions';
import type { DataKind, KindServices } from './data/data-kind';
import { toolKind } from './tools/tool.kind';

/**
 * The kinds of tenant data that bring their whole vertical with them: routes and operations, the plan limit they
 * count against, and the key other kinds reference them by. Adding such a kind is its module plus one line here;
 * the data catalogue, the route table, its group's handler and the usage report take it from this list. Kept apart
 * from the data catalogue so a group's bundle holds these modules only, not every kind's.
 */
export const RESOURCE_KINDS: readonly DataKind[] = [toolKind];

/** The routes the resource kinds bring, of one handler group or of all. */
export function kindRoutes(group?: string): readonly RouteDefinition[] {
  return RESOURCE_KINDS.flatMap((kind) => kind.api?.routes ?? []).filter((route) => group === undefined || route.group === group);
}

/** The operations behind the resource kinds' routes of one handler group, built over the group's services. */
export function kindOperations(group: string, services: KindServices): Readonly<Record<string, Operation>> {
  const served = RESOURCE_KINDS.filter((kind) => kind.api?.routes.some((route) => route.group === group));
  return Object.assign({}, ...served.map((kind) => kind.api?.operations(services)));
}

/** The kinds counted against a tenant-wide plan limit, shown in the usage report. */
export function countedKinds(): readonly (DataKind & Required<Pick<DataKind, 'counter'>>)[] {
  return RESOURCE_KINDS.filter((kind): kind is DataKind & Required<Pick<DataKind, 'counter'>> => kind.counter !== undefined);
}

/** Checks, inside a referring write's transaction, that the tenant has an item of a kind with an id. */
export type ReferenceCheck = (kind: string, tenantId: string, id: string, onMissing: () => Error) => ItemWrite;

/** The reference check over the resource kinds' item keys; naming a kind that is not referable is a programming error. */
export const referenceCheck: ReferenceCheck = (kindName, tenantId, id, onMissing) => {
  const kind = RESOURCE_KINDS.find((candidate) => candidate.name === kindName);
  if (!kind?.itemKey) throw new Error(`no referable kind ${kindName} in the catalogue`);
  return { check: { Key: kind.itemKey(tenantId, id), ...conditionOf(itemExists) }, onConditionFailed: onMissing };
};
