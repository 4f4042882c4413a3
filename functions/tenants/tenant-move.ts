/**
 * The move that holds the tenant's changes: one under way from the region the entry names. After the cut-over the mark
 * names the new home and holds nothing (it stays until the old region is purged, for a resumed migration to find).
 * A module of its own, without the schemas: the functions, the console and the CLI apply the same rule.
 */
export function heldMove<M extends { readonly to: string }>(entry: { readonly region: string; readonly moving?: M }): M | undefined {
  return entry.moving && entry.moving.to !== entry.region ? entry.moving : undefined;
}
