import { Match } from 'aws-cdk-lib/assertions';
import { tenantSecretPrefix } from '../../functions/governance/credential-store';
import { TENANT_SESSION_TAG } from '../../lib/constructs/data-access-roles';
import { LIST_CREDENTIAL_SECRETS_SID } from '../../lib/constructs/tenant-credential-store';
import { PlatformNames } from '../../lib/naming';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';
import { ownedStatements } from './support/iam-statements';
import { renderIntrinsics } from './support/intrinsics';
import { simulate, TEST_ACCOUNT_ID } from '../support/iam-simulation';
import { credentialKeyAlias, secretNameOf } from '../../functions/governance/credential-store';

/**
 * The offboarding purge of tenants' credential secrets: the function that purges (the control plane's
 * provisioning-events) lists secret names with its own role and deletes through the tenant data role's session, so
 * no policy of the platform allows deleting a secret outside one tenant's prefix.
 */

const fixture = buildFixture();
const controlPlane = fixture.stacks.controlPlane;
const { template, json } = templateOf(controlPlane);
const prefix = new PlatformNames(CONFIG.stage).prefix;
const purging = controlPlane.functions['provisioning-events'];
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value]);

/** Every statement of every stack of the app that allows `action` (or a wildcard covering it), intrinsics rendered. */
function statementsAllowing(action: string): { stack: string; roles: readonly string[]; resources: unknown[] }[] {
  const stacks = [controlPlane, ...fixture.stacks.regions.values()];
  return stacks.flatMap((stack) =>
    ownedStatements(templateOf(stack).json)
      .filter(({ statement }) => statement.Effect === 'Allow')
      .filter(({ statement }) => asArray(statement.Action).some((granted) => new RegExp(`^${String(granted).replace(/\*/g, '.*')}$`).test(action)))
      .map(({ roles, statement }) => ({ stack: stack.stackName, roles, resources: asArray(renderIntrinsics(statement.Resource, stack.region)) })),
  );
}

describe('the purge of tenants’ credential secrets', () => {
  it('tells the purging function where the secrets are: Secrets Manager, under the platform prefix', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ CREDENTIAL_STORE: 'secrets-manager', CREDENTIAL_SECRET_PREFIX: prefix }) },
      Role: { 'Fn::GetAtt': [logicalIdOf(purging.role), 'Arn'] },
    });
  });

  it("gives the purging function's own role ListSecrets, the one action that has no resource, and nothing else of Secrets Manager", () => {
    // Prepare
    const roleId = logicalIdOf(purging.role);
    const secretsStatements = ownedStatements(json)
      .filter((owned) => owned.roles.includes(roleId))
      .map((owned) => owned.statement)
      .filter((statement) => asArray(statement.Action).some((action) => String(action).startsWith('secretsmanager:')));

    // Assess: the cursor secret is read through the secrets extension; the purge only lists
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Sid: LIST_CREDENTIAL_SECRETS_SID, Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' }] },
      Roles: [{ Ref: roleId }],
    });
    const actions = secretsStatements.flatMap((statement) => asArray(statement.Action));
    expect(actions).toContain('secretsmanager:ListSecrets');
    expect(actions.filter((action) => /Delete|\*/.test(String(action)))).toEqual([]);
  });

  it("allows deleting a secret only under a tenant's prefix named by the session's own TenantId tag, in every stack", () => {
    // Prepare
    const deletions = statementsAllowing('secretsmanager:DeleteSecret');
    const ownPrefix = tenantSecretPrefix(prefix, `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`);

    // Assess: only the tenant data role of each region, and only its session tenant's secrets
    expect(deletions.length).toBe(fixture.stacks.regions.size);
    for (const deletion of deletions) {
      expect(deletion.roles).toHaveLength(1);
      expect(deletion.resources).toEqual([expect.stringMatching(new RegExp(`:secretsmanager:[a-z0-9-]+:\\d+:secret:${escapedForPattern(ownPrefix)}\\*$`))]);
    }
  });
});

describe("a migration's move of tenants' credential secrets between regions", () => {
  const regions = [...fixture.stacks.regions.entries()];
  const names = new PlatformNames(CONFIG.stage);

  it.each(regions.map(([region]) => region))(
    "names the credential key of %s by the alias every region's key has, for migrations creating secrets there",
    (region) => {
      const stack = fixture.stacks.regions.get(region)!;
      templateOf(stack).template.hasResourceProperties('AWS::KMS::Alias', {
        AliasName: credentialKeyAlias(prefix),
        TargetKeyId: { 'Fn::GetAtt': [logicalIdOf(stack.credentials.key), 'Arn'] },
      });
    },
  );

  it.each(regions.map(([region]) => region))(
    "lets the job consumer of %s list secret names with its own role and nothing else of Secrets Manager (the source's purge)",
    (region) => {
      // Prepare
      const stack = fixture.stacks.regions.get(region)!;
      const { template: regional, json: regionalJson } = templateOf(stack);
      const consumer = stack.functions['job-consumer'];
      const roleId = logicalIdOf(consumer.role);
      // Its other Secrets Manager statements are the platform's own secrets (bundle key, cursor key), never a tenant's.
      const tenantSecretStatements = ownedStatements(regionalJson)
        .filter((owned) => owned.roles.includes(roleId))
        .map((owned) => owned.statement)
        .filter((statement) => asArray(statement.Action).some((action) => String(action).startsWith('secretsmanager:')))
        .filter((statement) =>
          asArray(renderIntrinsics(statement.Resource, region)).some((resource) => resource === '*' || String(resource).includes('/tenants/')),
        );

      // Assess
      regional.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ CREDENTIAL_STORE: 'secrets-manager', CREDENTIAL_SECRET_PREFIX: prefix }) },
        Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      });
      regional.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: { Statement: [{ Sid: LIST_CREDENTIAL_SECRETS_SID, Effect: 'Allow', Action: 'secretsmanager:ListSecrets', Resource: '*' }] },
        Roles: [{ Ref: roleId }],
      });
      expect(tenantSecretStatements.map((statement) => statement.Action)).toEqual(['secretsmanager:ListSecrets']);
    },
  );

  it.each(regions.map(([region]) => region))(
    "lets every region's job consumer reach the secrets of %s only through its tenant data role, under the platform prefix",
    (region) => {
      // Prepare
      const stack = fixture.stacks.regions.get(region)!;
      const { template: regional, json: regionalJson } = templateOf(stack);
      const tenantRole = regionalJson.Resources[logicalIdOf(stack.dataAccess.tenantData.role)];
      const trusted = JSON.stringify(tenantRole.Properties?.AssumeRolePolicyDocument);
      const ownConsumer = JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.functions['job-consumer'].role), 'Arn'] });
      const ownSecrets = `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT_ID}:secret:${tenantSecretPrefix(prefix, `\${aws:PrincipalTag/${TENANT_SESSION_TAG}}`)}*`;

      // Assess: trusted by the consumer of every region, and its secrets statements confined to the session's prefix
      for (const [other] of regions) expect(trusted).toContain(other === region ? ownConsumer : `:role/${names.functionRoleName(other, 'job-consumer')}"`);
      regional.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'OwnTenantCredentialSecrets',
              Action: Match.arrayWith(['secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']),
            }),
            Match.objectLike({ Sid: 'CreateOwnTenantCredentialSecrets', Action: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'] }),
          ]),
        },
        Roles: [{ Ref: logicalIdOf(stack.dataAccess.tenantData.role) }],
      });
      const secretResources = ownedStatements(regionalJson)
        .filter(({ roles }) => roles.includes(logicalIdOf(stack.dataAccess.tenantData.role)))
        .filter(({ statement }) =>
          asArray(statement.Action).some((action) => String(action).startsWith('secretsmanager:') && action !== 'secretsmanager:ListSecrets'),
        )
        .flatMap(({ statement }) => asArray(renderIntrinsics(statement.Resource, region)));
      expect(new Set(secretResources)).toEqual(new Set([ownSecrets]));
    },
  );
});

describe("the purging function's own role (simulated)", () => {
  // Every statement of the role, intrinsics rendered as text: a reference never names a secret, a wildcard would.
  const roleId = logicalIdOf(purging.role);
  const policies = [
    {
      Version: '2012-10-17',
      Statement: ownedStatements(json)
        .filter((owned) => owned.roles.includes(roleId))
        .map((owned) => renderIntrinsics(owned.statement, CONFIG.homeRegion)),
    },
  ];
  const secretArn = (region: string, tenantId: string) =>
    `arn:aws:secretsmanager:${region}:${TEST_ACCOUNT_ID}:secret:${secretNameOf(prefix, tenantId, '01JCREDENTIAL0000000000000')}-AbCdEf`;

  it('may list secret names', async () => {
    expect((await simulate(policies, { action: 'secretsmanager:ListSecrets', resource: '*', context: {} })).allowed).toBe(true);
  });

  it.each(['secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'])(
    "may not %s a tenant's secret itself, in any region: only through the tenant's session",
    async (action) => {
      for (const region of fixture.stacks.regions.keys()) {
        expect((await simulate(policies, { action, resource: secretArn(region, 'acme'), context: {} })).allowed).toBe(false);
      }
    },
  );
});

function escapedForPattern(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
