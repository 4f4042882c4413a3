import type { Operation } from './core/http';
import type { RouteDefinition } from './core/route';
import type { KindApi, KindServices } from './data/data-kind';
import { toolApi } from './tools/tool.api';

/**
 * The APIs of the resource kinds (resource.catalogue.ts): the routes each brings, in one of the handler groups, and
 * the operations behind them. The route table and the serving group's handler take them from here; nothing else
 * imports this list, so the other functions bundle no route or operation of these kinds.
 */
export const RESOURCE_APIS: readonly KindApi[] = [toolApi];

/** The routes the resource kinds bring, of one handler group or of all. */
export function kindRoutes(group?: string): readonly RouteDefinition[] {
  return RESOURCE_APIS.flatMap((api) => api.routes).filter((route) => group === undefined || route.group === group);
}

/** The operations behind the resource kinds' routes of one handler group, built over the group's services. */
export function kindOperations(group: string, services: KindServices): Readonly<Record<string, Operation>> {
  const served = RESOURCE_APIS.filter((api) => api.routes.some((route) => route.group === group));
  return Object.assign({}, ...served.map((api) => api.operations(services)));
}
