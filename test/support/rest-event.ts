import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { encodeAuthContext, type AuthContext } from '../../functions/core/auth-context';

export interface RestEventOptions {
  readonly method: string;
  /** Resource path with placeholders, as in the route table. */
  readonly resource: string;
  readonly pathParameters?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string | null;
  readonly auth?: AuthContext;
}

/**
 * An API Gateway REST (v1) Lambda proxy event with every field API Gateway sends, shaped after the documented
 * example event, so handlers are tested against what they really receive.
 */
export function restEvent(options: RestEventOptions): APIGatewayProxyEvent {
  const path = options.resource.replace(/\{(\w+)\}/g, (_m, name: string) => options.pathParameters?.[name] ?? '');
  const headers = {
    Accept: 'application/json',
    Host: 'abcdef1234.execute-api.eu-central-1.amazonaws.com',
    'User-Agent': 'jest',
    'X-Amzn-Trace-Id': 'Root=1-5e66d96f-7491f09xmpl79d18acf3d050',
    'X-Forwarded-For': '203.0.113.10',
    'X-Forwarded-Port': '443',
    'X-Forwarded-Proto': 'https',
    ...options.headers,
  };
  const query = options.query ?? null;
  return {
    resource: options.resource,
    path,
    httpMethod: options.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])) : null,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abcdef1234',
      authorizer: options.auth ? { ...encodeAuthContext(options.auth), principalId: options.auth.principalId, integrationLatency: 12 } : null,
      domainName: 'abcdef1234.execute-api.eu-central-1.amazonaws.com',
      domainPrefix: 'abcdef1234',
      extendedRequestId: 'JWWfRFxmliAFXZA=',
      httpMethod: options.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.10',
        user: null,
        userAgent: 'jest',
        userArn: null,
      },
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '28/Nov/2026:18:00:00 +0000',
      requestTimeEpoch: 1795888800000,
      resourceId: 'qdolsr1yhk',
      resourcePath: options.resource,
      stage: 'prod',
    },
    body: options.body ?? null,
    isBase64Encoded: false,
  };
}

/** A Lambda context as the runtime passes it. */
export function lambdaContext(functionName = 'test-function'): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: '0e3f0b7c-1f4e-4c55-8f5e-1d2b3c4d5e6f',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/28/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
