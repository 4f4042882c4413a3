import type { RouteDefinition } from '../../../functions/routes';
import { RouteMatcher } from '../../../local/routing';

function route(method: RouteDefinition['method'], path: string): RouteDefinition {
  return { operationId: `${method} ${path}`, method, path, group: 'platform', access: 'public', summary: '', request: {}, response: undefined as never };
}

describe('RouteMatcher', () => {
  const matcher = new RouteMatcher([
    route('GET', '/v1/tenants/{tenantId}'),
    route('PATCH', '/v1/tenants/{tenantId}'),
    route('GET', '/v1/tenants/{tenantId}/agents/{agentId}'),
    route('POST', '/v1/tenants/{tenantId}/suspend'),
    route('GET', '/v1/tenants/{tenantId}/{section}'),
    route('GET', '/v1/files/{key+}'),
  ]);

  it('matches placeholders and returns the path parameters as received', () => {
    // Prepare
    const path = '/v1/tenants/acme/agents/a%201';

    // Act
    const match = matcher.match('GET', path);

    // Assess
    expect(match).toEqual({
      kind: 'route',
      route: expect.objectContaining({ path: '/v1/tenants/{tenantId}/agents/{agentId}' }),
      pathParameters: { tenantId: 'acme', agentId: 'a%201' },
    });
  });

  it('prefers a literal segment over a placeholder at the same place', () => {
    const match = matcher.match('POST', '/v1/tenants/acme/suspend');

    expect(match).toEqual(expect.objectContaining({ kind: 'route', route: expect.objectContaining({ path: '/v1/tenants/{tenantId}/suspend' }) }));
  });

  it('lists the allowed methods when the path exists with other methods', () => {
    expect(matcher.match('DELETE', '/v1/tenants/acme')).toEqual({ kind: 'method-not-allowed', allowed: ['GET', 'PATCH'] });
  });

  it('answers method-not-allowed from the most specific path only', () => {
    expect(matcher.match('GET', '/v1/tenants/acme/suspend')).toEqual({ kind: 'method-not-allowed', allowed: ['POST'] });
  });

  it('matches a greedy placeholder over the rest of the path', () => {
    expect(matcher.match('GET', '/v1/files/a/b/c.txt')).toEqual(expect.objectContaining({ pathParameters: { key: 'a/b/c.txt' } }));
  });

  it.each(['/v1/tenants', '/v1/tenants/acme/', '/v1/tenants//agents', '/v2/tenants/acme', '/'])('finds no route for %s', (path) => {
    expect(matcher.match('GET', path)).toEqual({ kind: 'not-found' });
  });
});
