import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { PlanId } from '../../functions/billing/plan.catalogue';
import { tenantApiKeyName, usageIdentifierKey } from '../../functions/identity/usage-identifier';
import type { PlatformNames } from '../naming';

export interface TenantApiKeyProps {
  readonly names: PlatformNames;
  readonly tenantId: string;
  /** The tenant's plan: the key joins that plan's usage plan (throttle and daily quota) of the region. */
  readonly plan: PlanId;
}

/**
 * The tenant's API key of its region's REST API, in its plan's usage plan: the unit API Gateway throttles and
 * meters a tenant by. The API takes keys from the authorizer, which names the tenant's key by its derived value
 * (functions/identity/usage-identifier.ts): callers never present it. The usage plan is found through the region's
 * SSM parameter, read at deployment (see lib/naming.ts). A plan change through the API moves the key at once through
 * the API Gateway API, by its name (functions/billing/usage-key.api-gateway.ts); the manifest's plan is what a
 * (re)deployment binds.
 */
export class TenantApiKey extends Construct {
  readonly apiKey: apigw.ApiKey;
  readonly usagePlanId: string;

  constructor(scope: Construct, id: string, props: TenantApiKeyProps) {
    super(scope, id);
    const { names, tenantId, plan } = props;
    this.apiKey = new apigw.ApiKey(this, 'ApiKey', {
      apiKeyName: tenantApiKeyName(names.stage, tenantId),
      value: usageIdentifierKey(names.stage, tenantId),
      description: `Usage plan key of tenant ${tenantId} (${plan} plan); named by the authorizer, never sent by callers`,
      enabled: true,
    });
    this.usagePlanId = ssm.StringParameter.valueForStringParameter(this, names.usagePlanParameter(plan));
    apigw.UsagePlan.fromUsagePlanId(this, 'UsagePlan', this.usagePlanId).addApiKey(this.apiKey);
  }
}
