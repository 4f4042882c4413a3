import fc from 'fast-check';
import { ITEM_ACTIONS, TENANT_SESSION_TAG } from '../../../lib/constructs/data-access-roles';
import {
  directoryScope,
  guardVerdict,
  issuerRegistryScope,
  leadingKeysOf,
  operationOf,
  platformScope,
  refusalOf,
  tenantScope,
  type KeyScope,
} from '../../../functions/isolation/tenant-guard';
import { TENANT_SESSION_TAG as VENDED_SESSION_TAG } from '../../../functions/isolation/session-tag';
import { concreteArn, resolveIntrinsics, rolePolicyDocuments, simulateDataRequest, type PolicyDocument } from '../../support/iam-simulation';
import { buildFixture, logicalIdOf, templateOf } from '../../infra/support/platform-fixture';

/**
 * The runtime guard and IAM must agree: for any tenant and any set of partition keys, the guard allows a request
 * exactly when the tenant data role's policy, as synthesized by CDK and evaluated by an IAM simulator, allows it.
 * The guard is the wall where IAM is absent (DynamoDB Local), so a disagreement would mean local tests prove
 * something AWS does not do, or the reverse.
 */
const region = 'eu-central-1';
let tenantPolicies: PolicyDocument[];
/** The policies of the directory, platform and issuer registry roles, with the guard scope of their clients. */
let platformRoles: { readonly name: string; readonly scope: KeyScope; readonly policies: PolicyDocument[] }[];
let tableArn: string;
let indexArn: string;

beforeAll(() => {
  const fixture = buildFixture();
  const stack = fixture.stacks.regions.get(region)!;
  const { json } = templateOf(stack);
  const env = { region };
  tableArn = concreteArn(json, logicalIdOf(stack.table.table), env);
  indexArn = `${tableArn}/index/byCollection`;
  const policiesOf = (role: { readonly role: Parameters<typeof logicalIdOf>[0] }) =>
    resolveIntrinsics(rolePolicyDocuments(json, logicalIdOf(role.role)), json, env);
  tenantPolicies = policiesOf(stack.dataAccess.tenantData);
  platformRoles = [
    { name: 'directory', scope: directoryScope, policies: policiesOf(stack.dataAccess.directoryData) },
    { name: 'platform', scope: platformScope, policies: policiesOf(stack.dataAccess.platformData) },
    { name: 'issuers', scope: issuerRegistryScope, policies: policiesOf(stack.dataAccess.issuersData) },
  ];
}, 60_000);

async function iamAllows(action: string, resource: string, tenantId: string, leadingKeys: readonly string[]): Promise<boolean> {
  const outcome = await simulateDataRequest(tenantPolicies, {
    action,
    resource,
    principalTags: { [TENANT_SESSION_TAG]: tenantId },
    // A request without partition keys (Scan) has no LeadingKeys at all, not an empty list.
    ...(leadingKeys.length > 0 ? { leadingKeys } : {}),
  });
  // A misspelt context key would be dropped silently and the comparison would prove nothing.
  expect(outcome.ignoredContextKeys).toEqual([]);
  return outcome.allowed;
}

/** Tenant ids that are prefixes of each other, and one that is not. */
const tenantArb = fc.constantFrom('acme', 'acme2', 'acm', 'globex');
const segmentArb = fc.stringMatching(/^[A-Za-z0-9*?-]{1,8}$/);
const keyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(tenantArb, segmentArb).map(([t, s]) => `T#${t}#${s}`) },
  { weight: 1, arbitrary: tenantArb.map((t) => `T#${t}#`) },
  { weight: 1, arbitrary: tenantArb.map((t) => `T#${t}`) },
  { weight: 1, arbitrary: segmentArb.map((s) => `P#${s}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 1, arbitrary: tenantArb.map((t) => `t#${t}#x`) },
);
const ITEM_ACTION_ARB = fc.constantFrom(...ITEM_ACTIONS);

describe('runtime guard versus IAM simulation of the synthesized tenant data role', () => {
  it('the token vending machine tags sessions with the tag the role policy reads', () => {
    expect(VENDED_SESSION_TAG).toBe(TENANT_SESSION_TAG);
  });

  it('property: for random key sets, the runtime guard verdict equals the IAM verdict', async () => {
    await fc.assert(
      fc.asyncProperty(tenantArb, fc.array(keyArb, { maxLength: 4 }), ITEM_ACTION_ARB, fc.boolean(), async (tenantId, keys, action, onIndex) => {
        // Act
        const guard = guardVerdict(keys, tenantId);
        const iam = await iamAllows(action, onIndex ? indexArn : tableArn, tenantId, keys);

        // Assess
        expect({ tenantId, keys, guard }).toEqual({ tenantId, keys, guard: iam });
      }),
      { numRuns: 500 },
    );
  });

  /** Random requests of every shape the guard reads, with keys from the mix above. */
  const requestArb = fc.oneof(
    keyArb.map((pk) => ({ command: 'GetCommand', input: { Key: { pk, sk: 's' } } })),
    keyArb.map((pk) => ({ command: 'PutItemCommand', input: { Item: { pk: { S: pk }, sk: { S: 's' } } } })),
    keyArb.map((pk) => ({ command: 'UpdateCommand', input: { Key: { pk, sk: 's' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } } })),
    keyArb.map((pk) => ({ command: 'DeleteCommand', input: { Key: { pk, sk: 's' } } })),
    fc.tuple(keyArb, fc.boolean()).map(([pk, onIndex]) => ({
      command: 'QueryCommand',
      input: {
        ...(onIndex ? { IndexName: 'byCollection' } : {}),
        KeyConditionExpression: '#k = :k',
        ExpressionAttributeNames: { '#k': onIndex ? 'collectionPk' : 'pk' },
        ExpressionAttributeValues: { ':k': pk },
      },
    })),
    fc.array(keyArb, { minLength: 1, maxLength: 3 }).map((pks) => ({
      command: 'BatchGetCommand',
      input: { RequestItems: { table: { Keys: pks.map((pk) => ({ pk, sk: 's' })) } } },
    })),
    fc.array(keyArb, { minLength: 1, maxLength: 3 }).map((pks) => ({
      command: 'BatchWriteCommand',
      input: { RequestItems: { table: pks.map((pk) => ({ DeleteRequest: { Key: { pk, sk: 's' } } })) } },
    })),
    fc.constant({ command: 'ScanCommand', input: {} }),
  );

  it('property: for random requests, the guard lets a request through exactly when IAM allows its action on its leading keys', async () => {
    await fc.assert(
      fc.asyncProperty(tenantArb, requestArb, async (tenantId, { command, input }) => {
        // Prepare
        const action = `dynamodb:${operationOf(command)}`;
        const onIndex = 'IndexName' in input;

        // Act
        const guard = refusalOf(command, input, tenantScope(tenantId)) === undefined;
        const iam = await iamAllows(action, onIndex ? indexArn : tableArn, tenantId, leadingKeysOf(command, input));

        // Assess
        expect({ tenantId, command, input, guard }).toEqual({ tenantId, command, input, guard: iam });
      }),
      { numRuns: 300 },
    );
  });
});

describe('runtime guard versus IAM simulation of the synthesized directory, platform and issuer registry roles', () => {
  /** Platform keys around the issuer registry's prefix, and a few tenant and stray keys. */
  const platformKeyArb: fc.Arbitrary<string> = fc.oneof(
    { weight: 3, arbitrary: segmentArb.map((s) => `P#ISSUER#${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('P#ISSUER#', 'P#ISSUER', 'P#ISSUERS#x', 'P#TENANTS', 'p#ISSUER#x') },
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom('TENANT', 'SLUG', 'DOMAIN'), segmentArb).map(([kind, s]) => `P#${kind}#${s}`) },
    { weight: 1, arbitrary: segmentArb.map((s) => `T#acme#${s}`) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  );
  const requestArb = fc.oneof(
    platformKeyArb.map((pk) => ({ command: 'GetCommand', input: { Key: { pk, sk: 's' } } })),
    platformKeyArb.map((pk) => ({ command: 'PutCommand', input: { Item: { pk, sk: 's' } } })),
    platformKeyArb.map((pk) => ({
      command: 'UpdateCommand',
      input: { Key: { pk, sk: 's' }, UpdateExpression: 'SET a = :a', ExpressionAttributeValues: { ':a': 1 } },
    })),
    platformKeyArb.map((pk) => ({ command: 'DeleteCommand', input: { Key: { pk, sk: 's' } } })),
    platformKeyArb.map((pk) => ({ command: 'QueryCommand', input: { KeyConditionExpression: 'pk = :k', ExpressionAttributeValues: { ':k': pk } } })),
    fc.array(platformKeyArb, { minLength: 1, maxLength: 3 }).map((pks) => ({
      command: 'BatchGetCommand',
      input: { RequestItems: { table: { Keys: pks.map((pk) => ({ pk, sk: 's' })) } } },
    })),
    fc.array(platformKeyArb, { minLength: 1, maxLength: 3 }).map((pks) => ({
      command: 'BatchWriteCommand',
      input: { RequestItems: { table: pks.map((pk) => ({ PutRequest: { Item: { pk, sk: 's' } } })) } },
    })),
    fc.constant({ command: 'ScanCommand', input: {} }),
  );

  it('property: for random requests, each client guard lets a request through exactly when its role allows it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(0, 1, 2), requestArb, async (roleIndex, { command, input }) => {
        // Prepare
        const { name, scope, policies } = platformRoles[roleIndex];
        const leadingKeys = leadingKeysOf(command, input);

        // Act
        const guard = refusalOf(command, input, scope) === undefined;
        const outcome = await simulateDataRequest(policies, {
          action: `dynamodb:${operationOf(command)}`,
          resource: tableArn,
          ...(leadingKeys.length > 0 ? { leadingKeys } : {}),
        });

        // Assess
        expect(outcome.ignoredContextKeys).toEqual([]);
        expect({ name, command, input, guard }).toEqual({ name, command, input, guard: outcome.allowed });
      }),
      { numRuns: 400 },
    );
  });
});
