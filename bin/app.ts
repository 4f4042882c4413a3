import { App } from 'aws-cdk-lib';
import { parsePlatformConfig, PLATFORM_CONTEXT_KEY } from '../lib/config';
import { buildPlatform, loadTenantManifests } from '../lib/platform-app';

const app = new App();
const config = parsePlatformConfig(app.node.tryGetContext(PLATFORM_CONTEXT_KEY), { defaultAccount: process.env.CDK_DEFAULT_ACCOUNT });
buildPlatform(app, config, { tenants: loadTenantManifests() });
app.synth();
