import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { parsePlatformConfig, PLATFORM_CONTEXT_KEY, PlatformConfigError } from '../lib/config';
import { loadTenantManifests } from '../lib/platform-app';
import { REPO_ROOT } from '../lib/source-paths';
import { fleetManifestsDir, PipelineStack } from '../lib/stacks/pipeline-stack';

/**
 * The fleet pipeline's app: `npx cdk deploy --app "npx tsx bin/pipeline.ts"` once, then the pipeline updates
 * itself. Each environment's tenants are read from the folder the synth step filled (committed manifests and the
 * environment's manifest store), or from `tenants/` where there is none (a synth outside the pipeline).
 */
const app = new App();
const config = parsePlatformConfig(app.node.tryGetContext(PLATFORM_CONTEXT_KEY), { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });
const { pipeline } = config;
if (!pipeline) throw new PlatformConfigError(`the platform config in context '${PLATFORM_CONTEXT_KEY}' has no 'pipeline' section`);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
const stack = new PipelineStack(app, 'Pipeline', {
  stackName: `agent-platform-${config.stage}-pipeline`,
  config: { ...config, pipeline },
  tenantsOf: (environment) => {
    const fleet = path.join(REPO_ROOT, fleetManifestsDir(environment.stage));
    return existsSync(fleet) ? loadTenantManifests(fleet) : loadTenantManifests();
  },
});
stack.finish();
app.synth();
