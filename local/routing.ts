import { ROUTES, type RouteDefinition } from '../functions/routes';

/**
 * Matches request paths against the route table's API Gateway resource paths, the way API Gateway does: segment by
 * segment, `{name}` matches one non-empty segment, `{name+}` the rest of the path, and a literal segment wins over a
 * placeholder at the same place.
 */

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly segments: readonly Segment[];
}

type Segment = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'greedy'; name: string };

export type RouteMatch =
  | { kind: 'route'; route: RouteDefinition; pathParameters: Record<string, string> }
  /** The path exists, but not with this method. */
  | { kind: 'method-not-allowed'; allowed: readonly string[] }
  | { kind: 'not-found' };

function compile(path: string): Segment[] {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment): Segment => {
      const param = /^\{([A-Za-z0-9_]+)(\+?)\}$/.exec(segment);
      if (!param) return { kind: 'literal', value: segment };
      return param[2] ? { kind: 'greedy', name: param[1] } : { kind: 'param', name: param[1] };
    });
}

/** The parameters when the request segments fit the resource path; a score that ranks literal matches higher. */
function fit(compiled: CompiledRoute, segments: readonly string[]): { params: Record<string, string>; score: number } | undefined {
  const params: Record<string, string> = {};
  let score = 0;
  for (let i = 0; i < compiled.segments.length; i++) {
    const expected = compiled.segments[i];
    if (expected.kind === 'greedy') {
      if (i >= segments.length) return undefined;
      params[expected.name] = segments.slice(i).join('/');
      return { params, score };
    }
    const actual = segments[i];
    if (actual === undefined) return undefined;
    if (expected.kind === 'literal') {
      if (expected.value !== actual) return undefined;
      // Earlier literals weigh more: /a/{x}/c loses to /a/b/{y} for /a/b/c, as in API Gateway.
      score += 2 ** (compiled.segments.length - i);
    } else {
      params[expected.name] = actual;
    }
  }
  return segments.length === compiled.segments.length ? { params, score } : undefined;
}

export class RouteMatcher {
  private readonly compiled: readonly CompiledRoute[];

  constructor(routes: readonly RouteDefinition[] = ROUTES) {
    this.compiled = routes.map((route) => ({ route, segments: compile(route.path) }));
  }

  /** Finds the route of a request. `pathname` is the raw (still percent-encoded) path without the query. */
  match(method: string, pathname: string): RouteMatch {
    const segments = pathname === '/' ? [] : pathname.split('/').slice(1);
    // An empty segment (`//`, trailing `/`) names no resource.
    if (segments.includes('')) return { kind: 'not-found' };
    let best: { resource: string; score: number } | undefined;
    const fits = new Map<string, { route: CompiledRoute; params: Record<string, string> }[]>();
    for (const compiled of this.compiled) {
      const found = fit(compiled, segments);
      if (!found) continue;
      const list = fits.get(compiled.route.path) ?? [];
      list.push({ route: compiled, params: found.params });
      fits.set(compiled.route.path, list);
      if (!best || found.score > best.score) best = { resource: compiled.route.path, score: found.score };
    }
    if (!best) return { kind: 'not-found' };
    const candidates = fits.get(best.resource) ?? [];
    const hit = candidates.find((candidate) => candidate.route.route.method === method);
    if (!hit) return { kind: 'method-not-allowed', allowed: candidates.map((candidate) => candidate.route.route.method) };
    return { kind: 'route', route: hit.route.route, pathParameters: hit.params };
  }
}
