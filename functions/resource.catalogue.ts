import type { ItemWrite } from './data/mutation.executor';
import { conditionOf, itemExists } from './data/conditions';
import type { DataKind } from './data/data-kind';
import { toolKind } from './tools/tool.kind';

/**
 * The kinds of tenant data that bring their whole vertical with them: routes and operations (their API, listed in
 * resource-api.catalogue.ts), the plan limit they count against, and the key other kinds reference them by. Adding
 * such a kind is its two modules (`*.kind.ts`, `*.api.ts`) and one line here and there; the data catalogue, the route
 * table, its group's handler and the usage report take it from these lists. Kept apart from the data catalogue so a
 * group's bundle holds these modules only, not every kind's; and apart from their APIs so that only the group that
 * serves a kind's routes bundles them.
 */
export const RESOURCE_KINDS: readonly DataKind[] = [toolKind];

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
