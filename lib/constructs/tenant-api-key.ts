import { CustomResource } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { PlanId } from '../../functions/billing/plan.catalogue';
import { USAGE_KEY_RELEASE_RESOURCE_TYPE, type UsageKeyReleaseProperties } from '../../functions/billing/usage-key-release.resource';
import { tenantApiKeyName, usageIdentifierKey } from '../../functions/identity/usage-identifier';
import type { PlatformNames } from '../naming';

export interface TenantApiKeyProps {
  readonly names: PlatformNames;
  readonly tenantId: string;
  /** The tenant's plan: the key joins that plan's usage plan (throttle and daily quota) of the region. */
  readonly plan: PlanId;
  /**
   * Service token of the region's registrar (functions/api/issuer-registration.ts), which releases the key a migration
   * made for the tenant in the region before the stack makes its own.
   */
  readonly registrarServiceToken: string;
}

/**
 * The tenant's API key of its region's REST API, in its plan's usage plan: the unit API Gateway throttles and
 * meters a tenant by. The API takes keys from the authorizer, which names the tenant's key by its derived value
 * (functions/identity/usage-identifier.ts): callers never present it. The usage plan is found through the region's
 * SSM parameter, read at deployment (see lib/naming.ts). A plan change through the API moves the key at once through
 * the API Gateway API, by its name (functions/billing/usage-key.api-gateway.ts); the manifest's plan is what a
 * (re)deployment binds.
 *
 * A migration to this region made the tenant's key already (tagged as a migration's): API Gateway keeps key values
 * unique per region, so the key depends on a release (`Custom::UsageKeyRelease`) that deletes that key first; the
 * tenant's requests in the region get 403 for the seconds between. Without a migration's key the release does nothing.
 */
export class TenantApiKey extends Construct {
  readonly apiKey: apigw.ApiKey;
  readonly usagePlanId: string;
  readonly release: CustomResource;

  constructor(scope: Construct, id: string, props: TenantApiKeyProps) {
    super(scope, id);
    const { names, tenantId, plan } = props;
    const properties: UsageKeyReleaseProperties = { TenantId: tenantId };
    this.release = new CustomResource(this, 'MigrationKeyRelease', {
      serviceToken: props.registrarServiceToken,
      resourceType: USAGE_KEY_RELEASE_RESOURCE_TYPE,
      properties,
    });
    this.apiKey = new apigw.ApiKey(this, 'ApiKey', {
      apiKeyName: tenantApiKeyName(names.stage, tenantId),
      value: usageIdentifierKey(names.stage, tenantId),
      description: `Usage plan key of tenant ${tenantId} (${plan} plan); named by the authorizer, never sent by callers`,
      enabled: true,
    });
    this.apiKey.node.addDependency(this.release);
    this.usagePlanId = ssm.StringParameter.valueForStringParameter(this, names.usagePlanParameter(plan));
    apigw.UsagePlan.fromUsagePlanId(this, 'UsagePlan', this.usagePlanId).addApiKey(this.apiKey);
  }
}
