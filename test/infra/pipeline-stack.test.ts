import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as pipelines from 'aws-cdk-lib/pipelines';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PipelineConfig, PlatformConfig } from '../../lib/config';
import { loadTenantManifests } from '../../lib/platform-app';
import { type FleetEnvironment, PipelineStack, pipelineSource, syncManifestsCommand, tenantWaves } from '../../lib/stacks/pipeline-stack';
import { CDK_CONTEXT, CONFIG, STUB_CODE } from './support/platform-fixture';

const PIPELINE: PipelineConfig = {
  source: {
    kind: 'codeconnections',
    connectionArn: 'arn:aws:codeconnections:eu-central-1:111111111111:connection/0a1b2c3d-4e5f',
    repository: 'acme/agent-platform',
    branch: 'main',
  },
  // Production in an account of its own, as a fleet usually keeps it (one synth covers both kinds of environment).
  environments: [{ stage: 'staging' }, { stage: 'prod', account: '222222222222' }],
  tenantWaveSize: 1,
};

function synthPipeline(pipeline: PipelineConfig = PIPELINE): { stack: PipelineStack; template: Template; app: App } {
  const app = new App({ context: { ...CDK_CONTEXT } });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const config: PlatformConfig & { pipeline: PipelineConfig } = {
    ...CONFIG,
    account: '111111111111',
    mail: { from: 'invitations@acme-agents.example.com', identity: 'domain' },
    pipeline,
  };
  const stack = new PipelineStack(app, 'Pipeline', { config, tenantsOf: () => loadTenantManifests(), functionCode: STUB_CODE });
  stack.finish();
  return { stack, template: Template.fromStack(stack), app };
}

const { stack, template, app } = synthPipeline();

/** The pipeline's stages: name and its actions' names in run order. */
function pipelineStages(): { name: string; actions: string[] }[] {
  const [pipeline] = Object.values(template.findResources('AWS::CodePipeline::Pipeline'));
  return (pipeline.Properties.Stages as { Name: string; Actions: { Name: string; RunOrder: number }[] }[]).map((stage) => ({
    name: stage.Name,
    actions: [...stage.Actions].sort((a, b) => a.RunOrder - b.RunOrder || a.Name.localeCompare(b.Name)).map((action) => `${action.RunOrder}:${action.Name}`),
  }));
}

describe('fleet pipeline', () => {
  it('synthesizes once, updates itself, then deploys each environment: platform, then tenant waves', () => {
    // Act
    const names = pipelineStages().map((stage) => stage.name);

    // Assess: CDK Pipelines names a wave of one tenant after the tenant's stage.
    const waveNames = (environment: FleetEnvironment) => environment.waves.map((wave) => (wave.tenants.length === 1 ? wave.tenants[0].stageName : wave.name));
    const [staging, prod] = stack.environments;
    expect(names).toEqual(['Source', 'Build', 'UpdatePipeline', 'Assets', 'staging-Platform', ...waveNames(staging), 'prod-Platform', ...waveNames(prod)]);
    expect(prod.waves.map((wave) => wave.tenants.map((tenant) => tenant.stack.manifest.slug))).toEqual(
      tenantWaves(loadTenantManifests().manifests, 1).map((wave) => wave.map((manifest) => manifest.slug)),
    );
    expect(prod.waves.length).toBeGreaterThanOrEqual(2);
  });

  it('groups the tenants of a wave in one pipeline stage, deployed in parallel', () => {
    // Act
    const { stack: grouped, template: groupedTemplate } = synthPipeline({ ...PIPELINE, environments: [{ stage: 'prod' }], tenantWaveSize: 10 });
    const [pipeline] = Object.values(groupedTemplate.findResources('AWS::CodePipeline::Pipeline'));
    const wave = (pipeline.Properties.Stages as { Name: string; Actions: { Name: string; RunOrder: number }[] }[]).find(
      (stage) => stage.Name === 'prod-Tenants-1',
    )!;

    // Assess
    expect(grouped.environments[0].waves).toHaveLength(1);
    const deploys = wave.Actions.filter((action) => action.Name.endsWith('.Deploy'));
    expect(deploys.map((action) => action.Name.split('.')[0]).sort()).toEqual(
      loadTenantManifests()
        .manifests.map((manifest) => `prod-Tenant-${manifest.id}`)
        .sort(),
    );
    expect(new Set(deploys.map((action) => action.RunOrder)).size).toBe(1);
  });

  it('deploys the region stacks before the control plane within an environment', () => {
    // Prepare
    const platform = pipelineStages().find((stage) => stage.name === 'staging-Platform')!;
    const runOrder = (name: string) =>
      Math.max(...platform.actions.filter((action) => action.includes(name) && action.endsWith('.Deploy')).map((action) => Number(action.split(':')[0])));
    const firstRunOrder = (name: string) =>
      Math.min(...platform.actions.filter((action) => action.includes(name) && action.endsWith('.Prepare')).map((action) => Number(action.split(':')[0])));

    // Assess
    for (const region of CONFIG.regions) expect(runOrder(`Region-${region}`)).toBeLessThan(firstRunOrder('ControlPlane'));
  });

  it('asks a person before production, and only there', () => {
    // Prepare
    const stages = pipelineStages();
    const prod = stages.find((stage) => stage.name === 'prod-Platform')!;

    // Assess
    expect(prod.actions[0]).toBe('1:Approve-prod');
    expect(Math.min(...prod.actions.filter((action) => !action.includes('Approve')).map((action) => Number(action.split(':')[0])))).toBeGreaterThan(1);
    expect(stages.filter((stage) => stage.actions.some((action) => action.includes('Approve'))).map((stage) => stage.name)).toEqual(['prod-Platform']);
    template.hasResourceProperties('AWS::CodePipeline::Pipeline', {
      Stages: Match.arrayWith([
        Match.objectLike({
          Name: 'prod-Platform',
          Actions: Match.arrayWith([Match.objectLike({ Name: 'Approve-prod', ActionTypeId: Match.objectLike({ Category: 'Approval', Provider: 'Manual' }) })]),
        }),
      ]),
    });
  });

  it('deploys every tenant of a wave under the stack name the onboarding build uses, in its home region', () => {
    // Prepare
    const tenants = stack.environments[1].waves.flatMap((wave) => wave.tenants);

    // Assess
    expect(tenants.map((tenant) => tenant.stack.manifest.id).sort()).toEqual(
      loadTenantManifests()
        .manifests.map((manifest) => manifest.id)
        .sort(),
    );
    for (const tenant of tenants) {
      expect(tenant.stack.stackName).toBe(`agent-platform-prod-tenant-${tenant.stack.manifest.id}`);
      expect(tenant.stack.region).toBe(tenant.stack.manifest.homeRegion);
    }
  });

  it('puts free tenants in earlier waves than enterprise ones, the wave size apart', () => {
    // Prepare
    const manifest = (slug: string, plan: 'free' | 'team' | 'enterprise') => ({ ...loadTenantManifests().manifests[0], slug, id: slug, plan });

    // Act
    const waves = tenantWaves([manifest('e1', 'enterprise'), manifest('f2', 'free'), manifest('t1', 'team'), manifest('f1', 'free')], 2);

    // Assess
    expect(waves.map((wave) => wave.map((tenant) => tenant.slug))).toEqual([
      ['f1', 'f2'],
      ['t1', 'e1'],
    ]);
  });

  it('takes the repository from the configured source: CodeConnections, CodeCommit or S3', () => {
    // Act
    const sources = [
      PIPELINE.source,
      { kind: 'codecommit' as const, repositoryName: 'agent-platform', branch: 'release' },
      { kind: 's3' as const, bucketName: 'acme-sources', objectKey: 'agent-platform.zip' },
    ].map((source) => {
      const probe = new Stack(new App(), 'Probe', { env: { account: '111111111111', region: 'eu-central-1' } });
      const pipeline = new pipelines.CodePipeline(probe, 'Pipeline', {
        synth: new pipelines.ShellStep('Synth', { input: pipelineSource(probe, { ...PIPELINE, source }), commands: ['true'] }),
      });
      pipeline.buildPipeline();
      const [resource] = Object.values(Template.fromStack(probe).findResources('AWS::CodePipeline::Pipeline'));
      return resource.Properties.Stages[0].Actions[0].ActionTypeId.Provider;
    });

    // Assess
    expect(sources).toEqual(['CodeStarSourceConnection', 'CodeCommit', 'S3']);
  });

  it("syncs each environment's manifest store before it synthesizes, installing only what deploying needs", () => {
    // Prepare
    const [project] = Object.values(template.findResources('AWS::CodeBuild::Project')).filter((resource) => JSON.stringify(resource).includes('cdk synth'));
    const spec = JSON.parse(project.Properties.Source.BuildSpec);
    const commands: string[] = spec.phases.build.commands;

    // Assess
    expect(spec.phases.install.commands).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
    expect(commands.findIndex((command) => command.includes('.fleet/staging'))).toBeLessThan(commands.findIndex((command) => command.includes('cdk synth')));
    expect(commands.findIndex((command) => command.includes('.fleet/prod'))).toBeLessThan(commands.findIndex((command) => command.includes('cdk synth')));
    expect(syncManifestsCommand('store', '.fleet/prod')).toMatch(
      /cp -R tenants\/\. \.fleet\/prod\/.*aws s3 cp "s3:\/\/store\/tenants\/" \.fleet\/prod\/ --recursive.*exit 1/,
    );
  });

  it('is clean under cdk-nag, every acknowledgement with a reason', () => {
    expect(() => app.synth()).not.toThrow();
  });

  it('lets its synth role read the manifest store of an environment in another account, and nothing else of it', () => {
    // Prepare: the pipeline in 111111111111 deploys prod into 222222222222.
    const prod = stack.environments.find((environment) => environment.config.stage === 'prod')!;
    const store = Template.fromStack(prod.platform.stacks.controlPlane);

    // Assess: the role has the name the bucket policy gives, and the policy names that role of the pipeline's account.
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'agent-platform-dev-fleet-synth',
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'codebuild.amazonaws.com' } })] },
    });
    const statements = Object.values(store.findResources('AWS::S3::BucketPolicy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Effect: string; Action: string | string[]; Principal?: unknown; Condition?: unknown }[],
    );
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed.map((statement) => statement.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    for (const statement of allowed) {
      expect(JSON.stringify(statement.Principal)).toMatch(/:iam::111111111111:root"/);
      expect(Object.keys((statement.Condition as { ArnEquals: object }).ArnEquals)).toEqual(['aws:PrincipalArn']);
      expect(JSON.stringify((statement.Condition as { ArnEquals: object }).ArnEquals)).toMatch(/:iam::111111111111:role\/agent-platform-dev-fleet-synth"/);
    }
    expect(allowed.find((statement) => statement.Action === 's3:ListBucket')?.Condition).toMatchObject({ StringLike: { 's3:prefix': ['tenants/*'] } });
  });
});
