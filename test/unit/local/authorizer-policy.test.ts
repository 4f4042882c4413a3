import type { PolicyDocument } from 'aws-lambda';
import { methodArnOf, policyAllows } from '../../../local/authorizer-policy';

const arn = methodArnOf({ region: 'eu-central-1', accountId: '000000000000', apiId: 'local', stage: 'local', method: 'GET', path: '/v1/tenants/acme' });

function policy(...statements: Array<{ Effect: 'Allow' | 'Deny'; Resource: string | string[]; Action?: string }>): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements.map((s) => ({ Action: 'execute-api:Invoke', ...s })) } as PolicyDocument;
}

describe('policyAllows', () => {
  it('builds the method ARN from the request path, not the resource template', () => {
    expect(arn).toBe('arn:aws:execute-api:eu-central-1:000000000000:local/local/GET/v1/tenants/acme');
  });

  it.each([
    ['an Allow for the exact method ARN', policy({ Effect: 'Allow', Resource: arn }), true],
    ['an Allow with wildcards', policy({ Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-central-1:000000000000:local/*/GET/v1/tenants/*' }), true],
    ['an Allow for another method', policy({ Effect: 'Allow', Resource: arn.replace('/GET/', '/PATCH/') }), false],
    ['an Allow and a Deny for the same ARN', policy({ Effect: 'Allow', Resource: '*' }, { Effect: 'Deny', Resource: arn }), false],
    ['a Deny only', policy({ Effect: 'Deny', Resource: arn }), false],
    ['an Allow of another action', policy({ Effect: 'Allow', Resource: arn, Action: 'execute-api:ManageConnections' }), false],
    ['no statement', policy(), false],
  ])('decides %s', (_name, document, allowed) => {
    expect(policyAllows(document, arn)).toBe(allowed);
  });
});
