import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { request } from 'node:http';
import { GATEWAY_PROBLEMS, type GatewayProblemName } from '../../functions/core/gateway-problems';
import { CORS_ALLOW_METHODS } from '../../functions/core/cors';
import { ROUTES } from '../../functions/routes';
import { startLocalGateway, type FunctionSource, type LocalGateway } from '../../local/gateway';
import type { CfnResource } from '../support/iam-simulation';
import { buildFixture, CONFIG, templateOf } from './support/platform-fixture';
import { REQUEST_ORIGIN } from '../../lib/constructs/gateway-responses';

/**
 * The same problem `code`, status and headers from the local gateway and from the synthesized gateway responses of
 * the CDK API, case by case; and the same CORS origins on both.
 */

const REGION = CONFIG.regions[0];
const CONSOLE = 'https://console.acme.example';
const fixture = buildFixture({ config: { ...CONFIG, corsOrigins: [CONSOLE] } });
const { json } = templateOf(fixture.stacks.regions.get(REGION)!);
const resources = Object.values(json.Resources) as CfnResource[];

/** The synthesized gateway response of an API Gateway response type: status, problem code and headers. */
function synthesized(responseType: string) {
  const response = resources.find((r) => r.Type === 'AWS::ApiGateway::GatewayResponse' && r.Properties!.ResponseType === responseType);
  if (!response) throw new Error(`no gateway response ${responseType}`);
  const props = response.Properties!;
  const body = JSON.parse(props.ResponseTemplates['application/json'].replace('$context.error.messageString', '"message"'));
  const headers = Object.fromEntries(
    Object.entries(props.ResponseParameters as Record<string, string>).map(([name, value]) => [
      name.replace('gatewayresponse.header.', '').toLowerCase(),
      // The request's Origin header, copied: every case below is sent from the console's origin.
      value === REQUEST_ORIGIN ? CONSOLE : value.slice(1, -1),
    ]),
  );
  return { status: Number(props.StatusCode), code: body.code as string, members: Object.keys(body), headers };
}

let hang = false;
const functions: FunctionSource = {
  createHandler: async () => async () => (hang ? new Promise(() => undefined) : ({ statusCode: 'oops' } as never)),
  createAuthorizer: async () => async (event: APIGatewayRequestAuthorizerEvent) => {
    if (event.headers?.Authorization === 'Bearer deny') {
      return {
        principalId: 'u',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: event.methodArn }] },
      };
    }
    throw new Error('Unauthorized');
  },
};

let gateway: LocalGateway;
let base: string;
beforeAll(async () => {
  gateway = await startLocalGateway({
    regions: [REGION],
    port: 0,
    dynamoDbEndpoint: 'http://127.0.0.1:9',
    tableName: 'agent-platform',
    log: () => undefined,
    functions,
    bodyLimitBytes: 1024,
    timeoutMs: 200,
    environment: { CORS_ALLOWED_ORIGINS: CONSOLE },
  });
  base = gateway.endpoints[REGION];
});
afterAll(() => gateway.close());

/** A request from the console's page, as a browser sends it (with its Origin). */
function fromConsole(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return send(method, path, { Origin: CONSOLE, ...headers }, body);
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{ status: number; headers: Record<string, string>; body: string }>((done, fail) => {
    const req = request(`${base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers as Record<string, string>, body: text }));
    });
    req.on('error', fail);
    req.end(body);
  });
}

const cases: ReadonlyArray<[string, GatewayProblemName, () => ReturnType<typeof send>]> = [
  ['UNAUTHORIZED', 'unauthenticated', () => fromConsole('GET', '/v1/tenants/acme/agents')],
  ['ACCESS_DENIED', 'forbidden', () => fromConsole('GET', '/v1/tenants/acme/agents', { Authorization: 'Bearer deny' })],
  ['MISSING_AUTHENTICATION_TOKEN', 'routeNotFound', () => fromConsole('GET', '/v1/no-such-route')],
  ['MISSING_AUTHENTICATION_TOKEN', 'routeNotFound', () => fromConsole('DELETE', '/v1/health')],
  ['REQUEST_TOO_LARGE', 'requestTooLarge', () => fromConsole('POST', '/v1/invitations/accept', { 'content-type': 'application/json' }, 'x'.repeat(4096))],
  ['INTEGRATION_FAILURE', 'upstreamFailure', () => fromConsole('GET', '/v1/health')],
  [
    'INTEGRATION_TIMEOUT',
    'upstreamTimeout',
    async () => {
      hang = true;
      try {
        return await fromConsole('GET', '/v1/health');
      } finally {
        hang = false;
      }
    },
  ],
];

describe('gateway problems, locally and in AWS', () => {
  it.each(cases)('%s: the local gateway and the synthesized gateway response answer alike (%s)', async (responseType, name, act) => {
    // Act
    const local = await act();
    const aws = synthesized(responseType);

    // Assess
    const problem = JSON.parse(local.body) as { code: string; status: number; requestId: string };
    expect({ status: local.status, code: problem.code }).toEqual({ status: aws.status, code: aws.code });
    expect(Object.keys(problem)).toEqual(aws.members);
    expect(problem.requestId).toBe(local.headers['x-amzn-requestid']);
    expect(aws.code).toBe(GATEWAY_PROBLEMS[name].code);
    for (const [header, value] of Object.entries(aws.headers)) expect([header, local.headers[header]]).toEqual([header, value]);
  });

  it('sends the same Retry-After for throttling and an exhausted daily quota as the table says', () => {
    expect(synthesized('THROTTLED').headers['retry-after']).toBe(GATEWAY_PROBLEMS.throttled.headers['Retry-After']);
    expect(synthesized('QUOTA_EXCEEDED').headers['retry-after']).toBe(GATEWAY_PROBLEMS.dailyQuotaExceeded.headers['Retry-After']);
  });
});

describe('CORS, locally and in AWS', () => {
  it('answers a preflight from the console origin with credentials allowed and never *', async () => {
    // Act
    const allowed = await send('OPTIONS', '/v1/tenants/acme/agents', { Origin: CONSOLE, 'Access-Control-Request-Method': 'POST' });

    // Assess
    expect(allowed.status).toBe(204);
    expect(allowed.headers).toMatchObject({ 'access-control-allow-origin': CONSOLE, 'access-control-allow-credentials': 'true' });
    expect(allowed.headers['access-control-allow-methods']).toBe('GET, POST');
    expect(allowed.headers['access-control-allow-headers']).toContain('Idempotency-Key');
  });

  it("allows a browser every method of the route table, in the local gateway's preflights and in AWS's", async () => {
    // Prepare: the methods the API serves, and a resource that serves PUT and DELETE only besides GET
    const methods = [...new Set(ROUTES.map((route) => route.method))].sort();

    // Act
    const local = await send('OPTIONS', '/v1/tenants/acme/model-policy', { Origin: CONSOLE, 'Access-Control-Request-Method': 'PUT' });
    const preflights = resources.filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties!.HttpMethod === 'OPTIONS');
    const awsMethods = new Set(
      preflights.map((method) => JSON.stringify(method.Properties!.Integration).match(/Access-Control-Allow-Methods[^']*'([^']*)'/)?.[1]),
    );

    // Assess
    expect([...CORS_ALLOW_METHODS].sort()).toEqual(methods);
    expect(local.status).toBe(204);
    expect(local.headers['access-control-allow-methods']).toBe('GET, PUT, DELETE');
    expect([...awsMethods]).toEqual([CORS_ALLOW_METHODS.join(',')]);
  });

  it('refuses a preflight from another origin: no CORS headers', async () => {
    const refused = await send('OPTIONS', '/v1/tenants/acme/agents', { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' });
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('gives every resource of the REST API an OPTIONS method for the same origin, with credentials', () => {
    const options = resources.filter((r) => r.Type === 'AWS::ApiGateway::Method' && r.Properties!.HttpMethod === 'OPTIONS');
    const resourceCount = resources.filter((r) => r.Type === 'AWS::ApiGateway::Resource').length;
    expect(options.length).toBe(resourceCount + 1);
    for (const method of options) {
      const integration = JSON.stringify(method.Properties!.Integration);
      expect(integration).toContain(CONSOLE);
      expect(integration).toContain("'true'");
      expect(integration).not.toContain("'*'");
    }
  });

  it('gives every function the same origins', () => {
    const functionsWithOrigins = resources.filter(
      // The configured origin, then the console distribution's own (known at deploy time).
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        JSON.stringify(r.Properties!.Environment?.Variables?.CORS_ALLOWED_ORIGINS ?? '').startsWith(`{"Fn::Join":["",["${CONSOLE},https://`),
    );
    expect(functionsWithOrigins.length).toBeGreaterThanOrEqual(11);
  });
});
