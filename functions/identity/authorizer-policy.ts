import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import type { AuthContext } from '../core/auth-context';
import { isAllowed } from '../core/roles';
import { TENANT_PATH_PARAMETER, type RouteAccess } from '../core/route';

/**
 * The IAM policies the authorizer returns. API Gateway caches a policy per identity source (the Authorization
 * header) and evaluates it against every later request of that credential, whatever its method and path: so an
 * Allow must cover every method the principal may call, and never one it may not.
 */

type PolicyDocument = APIGatewayAuthorizerResult['policyDocument'];

const TENANT_SEGMENT = `{${TENANT_PATH_PARAMETER}}`;

/** `arn:<partition>:execute-api:<region>:<account>:<apiId>/<stage>` of a method ARN (`…/<stage>/<METHOD>/<path>`). */
export function stageArnOf(methodArn: string): string {
  const [api, stage] = methodArn.split('/');
  if (!api || !stage) throw new Error(`not a method ARN: ${methodArn}`);
  return `${api}/${stage}`;
}

/**
 * The method ARNs a principal may invoke, as IAM resource patterns. A platform admin may call every method of the
 * stage. A tenant principal may call, with each method its roles allow on some route of its tenant, every path under
 * its own tenant (`/v1/tenants/<own id>` and below), plus the routes outside any tenant that its roles allow. The
 * role a route needs and the tenant signals are checked again per request by the handler middleware, which is what
 * decides; the policy keeps API Gateway from invoking a function for a tenant path that is not the principal's.
 */
export function allowedResources(stageArn: string, principal: AuthContext, routes: readonly RouteAccess[]): string[] {
  if (principal.principalType === 'platform-admin') return [`${stageArn}/*`];
  const resources = new Set<string>();
  for (const route of routes) {
    if (route.access === 'public' || !isAllowed(route.access, principal.roles)) continue;
    if (route.path.includes(TENANT_SEGMENT)) {
      if (principal.tenantId !== undefined) for (const resource of tenantResources(stageArn, route, principal.tenantId)) resources.add(resource);
    } else {
      resources.add(`${stageArn}/${route.method}${route.path.replace(/\{[^}]+\}/g, '*')}`);
    }
  }
  return [...resources].sort();
}

/** The route's method on every path under the tenant (`…/<tenantId>` and below). */
function tenantResources(stageArn: string, route: RouteAccess, tenantId: string): string[] {
  const tenantPath = `${route.path.slice(0, route.path.indexOf(TENANT_SEGMENT))}${tenantId}`;
  return [`${stageArn}/${route.method}${tenantPath}`, `${stageArn}/${route.method}${tenantPath}/*`];
}

/**
 * The method ARNs of a principal whose tenant moved to another region (it holds no role here): every method of a
 * route under its own tenant, whatever role the route needs, and nothing outside it. Its requests reach the handler
 * middleware only for the tenant gate to answer 421 naming the tenant's region; with no role, no operation runs.
 */
export function movedTenantResources(stageArn: string, tenantId: string, routes: readonly RouteAccess[]): string[] {
  const resources = new Set<string>();
  for (const route of routes) {
    if (route.access === 'public' || !route.path.includes(TENANT_SEGMENT)) continue;
    for (const resource of tenantResources(stageArn, route, tenantId)) resources.add(resource);
  }
  return [...resources].sort();
}

/** An Allow of the tenant paths of a principal whose tenant moved to another region (movedTenantResources). */
export function movedTenantPolicy(methodArn: string, tenantId: string, routes: readonly RouteAccess[]): PolicyDocument {
  return statement('Allow', movedTenantResources(stageArnOf(methodArn), tenantId, routes));
}

/** An Allow of the principal's methods; with none (a principal without roles), a Deny of the whole stage. */
export function principalPolicy(methodArn: string, principal: AuthContext, routes: readonly RouteAccess[]): PolicyDocument {
  const stageArn = stageArnOf(methodArn);
  const resources = allowedResources(stageArn, principal, routes);
  return resources.length > 0 ? statement('Allow', resources) : denyAll(methodArn);
}

/** A Deny of every method of the stage: the credential is refused wherever it is presented. */
export function denyAll(methodArn: string): PolicyDocument {
  return statement('Deny', [`${stageArnOf(methodArn)}/*`]);
}

function statement(effect: 'Allow' | 'Deny', resources: string[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resources }] };
}
