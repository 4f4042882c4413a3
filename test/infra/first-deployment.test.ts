import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { parsePlatformConfig, type PlatformConfig } from '../../lib/config';
import { HostedUserPool } from '../../lib/constructs/hosted-user-pool';
import { MailIdentity } from '../../lib/constructs/mail-identity';
import { PlatformNames } from '../../lib/naming';
import { adminDomainPrefix, tenantDomainPrefix } from '../../lib/tenant-identity';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';

/**
 * What a first deployment to a real account needs beyond what synthesis alone shows: a verified mail sender,
 * hosted UI domains nobody else holds, ARNs that name the partition the stacks deploy to, and an operator who hears
 * of every alarm and dead letter.
 */
const MAIL = { from: 'invitations@mail.acme-agents.example.com', identity: 'domain' as const };
const config: PlatformConfig = { ...CONFIG, mail: MAIL };
const fixture = buildFixture({ config });
const templates = new Map<string, ReturnType<typeof templateOf>>(
  [...fixture.stacks.regions.values(), fixture.stacks.controlPlane, ...fixture.stacks.tenants.values()].map((stack) => [stack.stackName, templateOf(stack)]),
);
const regionTemplate = (region: string) => templates.get(fixture.stacks.regions.get(region)!.stackName)!;
const controlPlaneTemplate = templates.get(fixture.stacks.controlPlane.stackName)!;

function withinStack(make: (stack: Stack) => void): Template {
  const stack = new Stack(new App(), 'Probe', { env: { region: 'eu-central-1' } });
  make(stack);
  return Template.fromStack(stack);
}

describe('first deployment: mail sender identity', () => {
  it.each(CONFIG.regions)('verifies the sender domain in SES in %s, with its DKIM records as outputs to publish', (region) => {
    // Prepare
    const { template } = regionTemplate(region);

    // Assess
    template.resourceCountIs('AWS::SES::EmailIdentity', 1);
    template.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.acme-agents.example.com' });
    const outputs = Object.keys(template.findOutputs('*')).filter((name) => name.includes('DkimRecord'));
    expect(outputs).toHaveLength(3);
  });

  it('lets exactly the mailing functions send, from the configured sender and its identity only', () => {
    // Prepare
    const region = CONFIG.homeRegion;
    const stack = fixture.stacks.regions.get(region)!;
    const { json } = regionTemplate(region);
    const functions = Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::Lambda::Function');
    const mailing = functions.filter((fn) => fn.Properties?.Environment?.Variables?.MAIL_FROM);
    const sendStatements = Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .flatMap((policy) => policy.Properties!.PolicyDocument.Statement as Record<string, any>[])
      .filter((statement) => [statement.Action].flat().includes('ses:SendEmail'));

    // Assess
    // Invitations (users), and budget alerts to a tenant's admins (the run consumer, which makes the model calls).
    expect(mailing.map((fn) => fn.Properties!.Environment.Variables.MAIL_FROM)).toEqual([MAIL.from, MAIL.from]);
    expect(mailing.map((fn) => fn.Properties!.Description).sort()).toEqual([
      expect.stringContaining("route group 'users'"),
      expect.stringContaining('workflow run worker'),
    ]);
    expect(sendStatements).toHaveLength(2);
    for (const statement of sendStatements) {
      expect(stack.resolve(statement.Resource)).toEqual({
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/mail.acme-agents.example.com'],
        ],
      });
    }
    const { json: cp } = controlPlaneTemplate;
    const provisioning = cp.Resources[logicalIdOf(fixture.stacks.controlPlane.functions['provisioning-events'].function)];
    expect(provisioning.Properties!.Environment.Variables.MAIL_FROM).toBe(MAIL.from);
  });

  it('verifies a single address when so configured, and publishes DKIM records in a configured hosted zone', () => {
    // Act
    const address = withinStack(
      (stack) => new MailIdentity(stack, 'Mail', { config: { ...CONFIG, mail: { from: 'ops@acme.example.com', identity: 'address' } } }),
    );
    const zoned = withinStack(
      (stack) =>
        new MailIdentity(stack, 'Mail', {
          config: {
            ...CONFIG,
            mail: { from: 'no-reply@mail.acme.example.com', identity: 'domain', hostedZone: { id: 'Z0123456789ABC', name: 'acme.example.com' } },
          },
        }),
    );

    // Assess
    address.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'ops@acme.example.com' });
    expect(Object.keys(address.findOutputs('*'))).toEqual([]);
    zoned.hasResourceProperties('AWS::SES::EmailIdentity', { EmailIdentity: 'mail.acme.example.com' });
    zoned.resourceCountIs('AWS::Route53::RecordSet', 3);
    zoned.hasResourceProperties('AWS::Route53::RecordSet', { Type: 'CNAME', HostedZoneId: 'Z0123456789ABC' });
  });

  it('refuses a hosted zone that does not hold the sender domain', () => {
    expect(() =>
      withinStack(
        (stack) =>
          new MailIdentity(stack, 'Mail', {
            config: { ...CONFIG, mail: { from: 'a@b.example.org', identity: 'domain', hostedZone: { id: 'Z0123456789ABC', name: 'acme.example.com' } } },
          }),
      ),
    ).toThrow(/does not hold the sender's domain b\.example\.org/);
  });

  it('warns at synthesis while the sender is the unverifiable placeholder', () => {
    // Act
    const stack = new Stack(new App(), 'Probe', { env: { region: 'eu-central-1' } });
    new MailIdentity(stack, 'Mail', { config: parsePlatformConfig({}) });
    const warnings = stack.node
      .findAll()
      .flatMap((node) => node.node.metadata.filter((entry) => entry.type === 'aws:cdk:warning').map((entry) => String(entry.data)));

    // Assess
    expect(warnings).toEqual([expect.stringContaining('no-reply@agent-platform.example: .example domains can never be verified')]);
  });
});

describe('first deployment: hosted UI domain prefixes', () => {
  it('names the admin and every tenant domain from the derived prefix, unique per account and stage', () => {
    // Prepare
    const domains = [...templates.values()].flatMap(({ json }) =>
      Object.values(json.Resources)
        .filter((resource) => resource.Type === 'AWS::Cognito::UserPoolDomain')
        .map((resource) => resource.Properties!.Domain as string),
    );

    // Assess
    expect(CONFIG.authDomainPrefix).toMatch(/^ap-[0-9a-f]{10}$/);
    expect(domains.sort()).toEqual(
      [adminDomainPrefix(CONFIG), ...[...fixture.stacks.tenants.values()].map((tenant) => tenantDomainPrefix(CONFIG, tenant.manifest.slug))].sort(),
    );
    expect(new Set(domains).size).toBe(domains.length);
  });

  it('fails synthesis on a prefix Cognito would refuse, naming it', () => {
    const pool = (domainPrefix: string) => () =>
      withinStack(
        (stack) =>
          new HostedUserPool(stack, 'Pool', {
            userPoolName: 'probe',
            mfa: 'REQUIRED',
            featurePlan: 'plus',
            groups: [],
            domainPrefix,
            callbackUrls: ['https://console.example.com/cb'],
            logoutUrls: [],
          }),
      );
    expect(pool('ap-cognito-admin')).toThrow(/Pool: the hosted UI domain prefix ap-cognito-admin contains a word Cognito reserves/);
    expect(pool(`ap-${'x'.repeat(61)}`)).toThrow(/longer than Cognito's 63 characters/);
  });
});

describe('first deployment: partitions', () => {
  it('names no partition literally: without CDK partition literals, no template holds arn:aws:', () => {
    // Prepare: CDK writes `arn:aws:` itself for regions it knows when partition literals are on (cdk.json); off,
    // every partition it writes is AWS::Partition, so a literal left is one this code wrote. The one exception is a
    // regional fact CDK looks up per region: the ARN of AWS's Parameters and Secrets extension layer in that region.
    const regionalFact = /arn:aws:lambda:[a-z0-9-]+:\d{12}:layer:AWS-Parameters-and-Secrets-Lambda-Extension/g;
    const literalFree = buildFixture({ config, context: { '@aws-cdk/core:enablePartitionLiterals': false } });
    const stacks = [...literalFree.stacks.regions.values(), literalFree.stacks.controlPlane, ...literalFree.stacks.tenants.values()];

    // Act
    const texts = stacks.map((stack) => JSON.stringify(Template.fromStack(stack).toJSON()));

    // Assess
    const literals = texts.flatMap((text) => [...text.replace(regionalFact, '').matchAll(/.{80}arn:aws[:-].{40}/g)].map((match) => match[0]));
    expect(literals).toEqual([]);
    expect(texts.join('\n')).toContain('"AWS::Partition"');
  });

  it('lets the offboarding build build its role ARNs from the partition it runs in', () => {
    // Prepare
    const { json } = controlPlaneTemplate;
    const project = json.Resources[logicalIdOf(fixture.stacks.controlPlane.pipeline.project)].Properties!;
    const script = JSON.parse(project.Source.BuildSpec).phases.build.commands.join('\n');

    // Assess
    expect(script).not.toMatch(/arn:aws:/);
    expect(script).toContain('DEPLOY_ROLE="arn:${AWS_PARTITION}:iam::');
    expect(fixture.stacks.controlPlane.resolve(project.Environment.EnvironmentVariables)).toEqual(
      expect.arrayContaining([{ Name: 'AWS_PARTITION', Type: 'PLAINTEXT', Value: { Ref: 'AWS::Partition' } }]),
    );
  });
});

describe('first deployment: operators hear of every alarm and dead letter', () => {
  const stacks = [...fixture.stacks.regions.values(), fixture.stacks.controlPlane];

  it.each(stacks.map((stack) => [stack.stackName, stack] as const))('%s: every alarm notifies its operator topic on alarm and on recovery', (name) => {
    // Prepare
    const { json } = templates.get(name)!;
    const topics = Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')
      .map(([id]) => id);
    const alarms = Object.values(json.Resources).filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm');

    // Assess
    expect(topics).toHaveLength(1);
    expect(alarms.length).toBeGreaterThan(0);
    for (const alarm of alarms) {
      expect(alarm.Properties!.AlarmActions).toEqual([{ Ref: topics[0] }]);
      expect(alarm.Properties!.OKActions).toEqual([{ Ref: topics[0] }]);
    }
  });

  it.each(stacks.map((stack) => [stack.stackName, stack] as const))('%s: every queue has a depth alarm', (name) => {
    // Prepare
    const { json } = templates.get(name)!;
    const queues = Object.entries(json.Resources)
      .filter(([, resource]) => resource.Type === 'AWS::SQS::Queue')
      .map(([id]) => id);
    const watched = Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm' && resource.Properties!.MetricName === 'ApproximateNumberOfMessagesVisible')
      .map((alarm) => (alarm.Properties!.Dimensions as { Value: { 'Fn::GetAtt': string[] } }[])[0].Value['Fn::GetAtt'][0]);

    // Assess
    expect(queues.length).toBeGreaterThan(0);
    expect(watched.sort()).toEqual(expect.arrayContaining(queues.sort()));
  });

  it('records onboarded tenants in a store the fleet pipeline reads, writable by the onboarding build alone', () => {
    // Prepare
    const { template } = controlPlaneTemplate;
    const names = new PlatformNames(CONFIG.stage);

    // Assess
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketName: fixture.stacks.controlPlane.resolve(names.manifestStoreName(CONFIG.homeRegion)),
        VersioningConfiguration: { Status: 'Enabled' },
      }),
    });
  });
});
