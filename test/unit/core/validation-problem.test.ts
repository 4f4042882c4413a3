import { createGroupHandler } from '../../../functions/core/http';
import { MAX_ISSUE_TEXT_LENGTH, MAX_LISTED_ISSUES, ValidationError } from '../../../functions/core/errors';
import { createLogger } from '../../../functions/core/logger';
import { MAX_INSTANCE_LENGTH, toProblem } from '../../../functions/core/problem';
import type { AuthContext } from '../../../functions/core/auth-context';
import { routesOf } from '../../../functions/routes';
import { lambdaContext, restEvent } from '../../support/rest-event';

const platformAdmin: AuthContext = { principalType: 'platform-admin', principalId: 'p-1', roles: ['platform-admin'] };

/** The tenants group with operations that must never run: validation answers first. */
function tenantsHandler() {
  const routes = routesOf('tenants');
  return createGroupHandler({
    logger: createLogger('test', 'ERROR'),
    routes,
    operations: Object.fromEntries(routes.map((route) => [route.operationId, () => Promise.reject(new Error('operation ran'))])),
  });
}

function patchTenant(body: string) {
  return tenantsHandler()(
    restEvent({
      method: 'PATCH',
      resource: '/v1/tenants/{tenantId}',
      pathParameters: { tenantId: 'acme' },
      headers: { 'content-type': 'application/json', 'if-match': '"1"' },
      body,
      auth: platformAdmin,
    }),
    lambdaContext(),
  );
}

describe('validation problem documents', () => {
  it('lists at most 20 issues of a 1 MB body with 60,000 unknown keys, counts them all, and stays small', async () => {
    // Prepare
    const body = JSON.stringify({ name: 'Acme', ...Object.fromEntries(Array.from({ length: 60_000 }, (_, i) => [`unknown-${i}`, 1])) });
    expect(body.length).toBeGreaterThan(1_000_000);

    // Act
    const result = await patchTenant(body);

    // Assess
    expect(result.statusCode).toBe(422);
    expect(result.body.length).toBeLessThan(4_096);
    const problem = JSON.parse(result.body) as { code: string; errors: { pointer: string }[]; errorCount: number; detail: string };
    expect(problem.code).toBe('validation-failed');
    expect(problem.errors).toHaveLength(MAX_LISTED_ISSUES);
    expect(problem.errors[0]).toEqual({ pointer: 'body.unknown-0', message: 'unknown field' });
    expect(problem.errorCount).toBe(60_000);
    expect(problem.detail).toMatch(/and 59997 more$/);
  });

  it('clips an unknown key of 500 kB to a short pointer', async () => {
    // Prepare
    const body = JSON.stringify({ name: 'Acme', ['k'.repeat(500_000)]: 1 });

    // Act
    const result = await patchTenant(body);

    // Assess
    expect(result.statusCode).toBe(422);
    expect(result.body.length).toBeLessThan(1_024);
    const problem = JSON.parse(result.body) as { errors: { pointer: string }[]; errorCount: number };
    expect(problem.errors[0].pointer).toHaveLength(MAX_ISSUE_TEXT_LENGTH);
    expect(problem.errorCount).toBe(1);
  });

  it('lists every issue, unclipped, when there are few and short ones', () => {
    // Prepare
    const issues = [
      { pointer: 'body.name', message: 'too long' },
      { pointer: 'body.plan', message: 'unknown plan' },
    ];

    // Act
    const problem = toProblem(new ValidationError('invalid body', issues, 'body'));

    // Assess
    expect(problem).toMatchObject({ status: 422, errors: issues, errorCount: 2, detail: 'invalid body' });
  });

  it('names the request path as instance up to the length the document allows, and leaves a longer one out', async () => {
    // Prepare: tenant ids that are no tenant id (a 400 before the operation runs); the path is the problem's instance.
    const answer = (tenantId: string) =>
      tenantsHandler()(restEvent({ method: 'GET', resource: '/v1/tenants/{tenantId}', pathParameters: { tenantId }, auth: platformAdmin }), lambdaContext());

    // Act
    const short = JSON.parse((await answer('no-such-id!')).body) as { status: number; instance?: string };
    const long = JSON.parse((await answer('a'.repeat(MAX_INSTANCE_LENGTH))).body) as { status: number; instance?: string };

    // Assess
    expect(short).toMatchObject({ status: 400, instance: '/v1/tenants/no-such-id!' });
    expect(long.status).toBe(400);
    expect(long).not.toHaveProperty('instance');
  });
});
