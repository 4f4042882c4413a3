import { App } from 'aws-cdk-lib';
import { parsePlatformConfig, PLATFORM_CONTEXT_KEY } from '../lib/config';
import { buildPlatform, loadTenantManifests } from '../lib/platform-app';

const app = new App();
buildPlatform(app, parsePlatformConfig(app.node.tryGetContext(PLATFORM_CONTEXT_KEY)), { tenants: loadTenantManifests() });
app.synth();
