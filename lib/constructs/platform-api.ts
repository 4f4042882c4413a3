import { Aws, Duration, RemovalPolicy, Token, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { PLANS, PLATFORM_RATE_LIMIT, REDIRECT_RATE_LIMIT, type Plan, type PlanId } from '../../functions/billing/plan.catalogue';
import { isPublic, type HandlerGroup, type RouteDefinition } from '../../functions/routes';
import { corsPolicy, type CorsPolicy } from '../../functions/core/cors';
import { ACCESS_CACHE_DEFAULT_SECONDS } from '../../functions/core/config';
import { addGatewayProblems } from './gateway-responses';
import { usagePlanName } from '../../functions/identity/usage-identifier';

/** Stage-wide throttling: the ceiling for every method, above the largest usage plan. */
export interface StageThrottle {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface PlatformApiProps {
  /** API Gateway stage name, first segment of every URL path (`/<stage>/v1/...`). */
  readonly stageName: string;
  /** The route table: one method per route. */
  readonly routes: readonly RouteDefinition[];
  /** The function serving each route group. */
  readonly handlers: Readonly<Record<HandlerGroup, lambda.IFunction>>;
  /** The REQUEST authorizer in front of every non-public route. */
  readonly authorizerFunction: lambda.IFunction;
  /**
   * How long API Gateway reuses the authorizer's answer for one Authorization header: the bound within which a role
   * change, a removal or a key revocation holds for credentials already issued (at most 30 s).
   * @default ACCESS_CACHE_DEFAULT_SECONDS (5 s)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * Plans to create usage plans for (throttle and daily quota), so tenants' API keys can be bound to them.
   * @default every plan of the plan catalogue
   */
  readonly plans?: readonly Plan[];
  /**
   * Stage-wide default throttle of every method; must allow at least the largest plan's rate.
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly throttle?: StageThrottle;
  /**
   * Value of the platform's API key, which the authorizer names for platform admins (functions/identity/
   * usage-identifier.ts): every authorized method requires a key, so platform admins need one too.
   */
  readonly platformUsageKey: string;
  /**
   * Throttle of the platform usage plan, which meters platform admins' requests.
   * @default PLATFORM_RATE_LIMIT of the plan catalogue
   */
  readonly platformThrottle?: StageThrottle;
  /**
   * Value of the redirect API key, which the authorizer names for principals of tenants homed in another region
   * (answered 421): their own key does not exist in this region's stage.
   */
  readonly redirectUsageKey: string;
  /**
   * Retention of the access log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly accessLogRetention?: logs.RetentionDays;
  /**
   * Browser origins allowed to call the API with credentials: every resource answers their CORS preflights with
   * the policy the functions apply to their answers (functions/core/cors.ts). Never `*`.
   * @default - none: no OPTIONS methods, no cross-origin access
   */
  readonly corsOrigins?: readonly string[];
}

/**
 * The region's REST API (API Gateway v1, which has usage plans and API keys), built from the route table.
 * Every non-public route goes through a Lambda REQUEST authorizer whose answer API Gateway caches per Authorization
 * header (every credential travels in it) for the revocation bound: the answer depends on the credential alone and
 * its policy covers every method the principal may call; the per-request checks (role per route, tenant signals)
 * are the handlers' middleware's. API Gateway's own errors answer as problem+json.
 */
export class PlatformApi extends Construct {
  readonly api: apigw.RestApi;
  readonly authorizer: apigw.RequestAuthorizer;
  readonly accessLogGroup: logs.LogGroup;
  /** Usage plans by plan id, for binding tenant API keys. */
  readonly usagePlans: Readonly<Partial<Record<PlanId, apigw.UsagePlan>>>;
  /** The usage plan of platform admins' requests, with the platform key in it. */
  readonly platformUsagePlan: apigw.UsagePlan;
  /** The usage plan of requests for tenants homed in another region, with the redirect key in it. */
  readonly redirectUsagePlan: apigw.UsagePlan;
  /**
   * Base URL of the stage, e.g. `https://abc123.execute-api.eu-central-1.amazonaws.com/dev`. Built from the API id
   * only, so functions of the API can be given it without depending on the stage (which depends on them).
   */
  readonly url: string;
  private readonly methods = new Map<string, apigw.Method>();

  constructor(scope: Construct, id: string, props: PlatformApiProps) {
    super(scope, id);
    const plans = props.plans ?? Object.values(PLANS);
    const throttle = props.throttle ?? { rateLimit: 1000, burstLimit: 2000 };
    checkStageThrottle(plans, throttle);

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.api = this.createRestApi(props, throttle);
    this.authorizer = this.createAuthorizer(props.authorizerFunction, props.authorizerCacheTtl ?? Duration.seconds(ACCESS_CACHE_DEFAULT_SECONDS));
    this.addRoutes(props);
    this.usagePlans = this.createUsagePlans(plans, props.stageName);
    this.platformUsagePlan = this.createKeyedUsagePlan('platform', {
      throttle: props.platformThrottle ?? { rateLimit: PLATFORM_RATE_LIMIT.requestsPerSecond, burstLimit: PLATFORM_RATE_LIMIT.burst },
      key: props.platformUsageKey,
      description: "Platform admins' requests",
      keyDescription: 'Usage plan key of platform admins; named by the authorizer, never sent by callers',
    });
    this.redirectUsagePlan = this.createKeyedUsagePlan('redirect', {
      throttle: { rateLimit: REDIRECT_RATE_LIMIT.requestsPerSecond, burstLimit: REDIRECT_RATE_LIMIT.burst },
      key: props.redirectUsageKey,
      description: 'Requests of tenants homed in another region, answered 421',
      keyDescription: 'Usage plan key of tenants homed in another region; named by the authorizer, never sent by callers',
    });
    addGatewayProblems(this.api, { cors: Boolean(props.corsOrigins?.length) });
    this.url = `https://${this.api.restApiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}/${props.stageName}`;
    this.acknowledgeApiFindings();
  }

  private createRestApi(props: PlatformApiProps, throttle: StageThrottle): apigw.RestApi {
    return new apigw.RestApi(this, 'Api', {
      restApiName: `agent-platform-${props.stageName}`,
      description: 'Agent platform API of the region (routes from functions/routes.ts)',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      ...(props.corsOrigins?.length ? { defaultCorsPreflightOptions: corsPreflightOptions(corsPolicyWithTokens(props.corsOrigins)) } : {}),
      // API keys for usage plans come from the authorizer (usageIdentifierKey), not from a header: that way a plan
      // can meter a tenant's bearer-token callers as well as its API key callers. Every authorized method requires
      // one (API Gateway throttles and meters only methods that do): the tenant's key, or the platform key for
      // platform admins.
      apiKeySourceType: apigw.ApiKeySourceType.AUTHORIZER,
      // Access and execution logs need the account's API Gateway CloudWatch role; retained because it is shared
      // by every API of the account and region.
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: props.stageName,
        tracingEnabled: true,
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        // Request and response bodies are tenant data: never in execution logs.
        dataTraceEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogGroup),
        accessLogFormat: accessLogFormat(),
      },
    });
  }

  private createAuthorizer(handler: PlatformApiProps['authorizerFunction'], ttl: Duration): apigw.RequestAuthorizer {
    const seconds = ttl.toSeconds();
    if (seconds < 1 || seconds > 30) throw new Error(`authorizerCacheTtl must be 1-30 s (the revocation bound), not ${seconds} s`);
    return new apigw.RequestAuthorizer(this, 'Authorizer', {
      handler,
      identitySources: [apigw.IdentitySource.header('Authorization')],
      resultsCacheTtl: ttl,
    });
  }

  /** One method per route of the route table, integrated with its group's function. */
  private addRoutes(props: PlatformApiProps): void {
    const integrations = new Map<HandlerGroup, apigw.LambdaIntegration>();
    const integrationOf = (group: HandlerGroup) => {
      let integration = integrations.get(group);
      if (!integration) {
        // One invoke permission per function for this API, instead of one per method: a function's resource
        // policy is limited to 20 KB.
        integration = new apigw.LambdaIntegration(props.handlers[group], { scopePermissionToMethod: false });
        integrations.set(group, integration);
      }
      return integration;
    };

    for (const route of props.routes) {
      const key = routeKey(route.method, route.path);
      if (this.methods.has(key)) throw new Error(`route ${key} is defined twice in the route table`);
      const resource = this.api.root.resourceForPath(route.path);
      const method = resource.addMethod(
        route.method,
        integrationOf(route.group),
        isPublic(route)
          ? { operationName: route.operationId, authorizationType: apigw.AuthorizationType.NONE }
          : {
              operationName: route.operationId,
              authorizationType: apigw.AuthorizationType.CUSTOM,
              authorizer: this.authorizer,
              apiKeyRequired: true,
            },
      );
      this.methods.set(key, method);
      if (isPublic(route)) {
        Validations.of(method).acknowledge(
          { id: 'AwsSolutions-APIG4', reason: `${key} is public in the route table (${route.summary}): callers have no credential yet` },
          { id: 'AwsSolutions-COG4', reason: `${key} is public in the route table (${route.summary}): callers have no credential yet` },
        );
      }
    }
  }

  private createUsagePlans(plans: readonly Plan[], stageName: string): Readonly<Partial<Record<PlanId, apigw.UsagePlan>>> {
    return Object.fromEntries(
      plans.map((plan) => [
        plan.id,
        this.api.addUsagePlan(`UsagePlan-${plan.id}`, {
          name: usagePlanName(stageName, plan.id),
          description: `${plan.title} plan: ${plan.rateLimit.requestsPerSecond} req/s, ${plan.limits.apiRequestsPerDay} requests per day`,
          throttle: { rateLimit: plan.rateLimit.requestsPerSecond, burstLimit: plan.rateLimit.burst },
          quota: { limit: plan.limits.apiRequestsPerDay, period: apigw.Period.DAY },
          apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
        }),
      ]),
    );
  }

  /** A usage plan outside the plan catalogue (no daily quota) with the one key the authorizer names for it. */
  private createKeyedUsagePlan(name: string, props: { throttle: StageThrottle; key: string; description: string; keyDescription: string }): apigw.UsagePlan {
    const id = name.charAt(0).toUpperCase() + name.slice(1);
    const plan = this.api.addUsagePlan(`UsagePlan-${name}`, {
      name: `${this.api.restApiName}-${name}`,
      description: `${props.description}: ${props.throttle.rateLimit} req/s`,
      throttle: props.throttle,
      apiStages: [{ api: this.api, stage: this.api.deploymentStage }],
    });
    plan.addApiKey(
      new apigw.ApiKey(this, `${id}Key`, {
        apiKeyName: `${this.api.restApiName}-${name}`,
        value: props.key,
        description: props.keyDescription,
        enabled: true,
      }),
    );
    return plan;
  }

  private acknowledgeApiFindings(): void {
    Validations.of(this.api).acknowledge(
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated by the handlers against the zod schemas of the route table, answering 400/422 problem+json exactly as the local gateway does; API Gateway models would duplicate those schemas',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'Authenticated routes use a Lambda REQUEST authorizer: it verifies JWTs of every tenant pool (one pool per tenant, registered at runtime) and X-Api-Key credentials, which a Cognito authorizer with its fixed pool list cannot',
      },
    );
    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role needs the AWS-managed push-to-CloudWatch-Logs policy, kept current by AWS; the role is assumable by API Gateway only",
      });
    }
  }

  /** The method serving a route (by route-table method and path). */
  methodFor(route: Pick<RouteDefinition, 'method' | 'path'>): apigw.Method {
    const method = this.methods.get(routeKey(route.method, route.path));
    if (!method) throw new Error(`no method for route ${routeKey(route.method, route.path)}`);
    return method;
  }
}

/** Every plan's rate must fit under the stage's throttle, else its limit could never be reached. */
function checkStageThrottle(plans: readonly Plan[], throttle: StageThrottle): void {
  for (const plan of plans) {
    if (plan.rateLimit.requestsPerSecond > throttle.rateLimit || plan.rateLimit.burst > throttle.burstLimit) {
      throw new Error(
        `stage throttle ${JSON.stringify(throttle)} is below plan '${plan.id}' (${JSON.stringify(plan.rateLimit)}): its limit could never be reached`,
      );
    }
  }
}

/** The shared policy for these origins; origins known only at deploy time (the console's distribution) are not checked. */
function corsPolicyWithTokens(origins: readonly string[]): CorsPolicy {
  return { ...corsPolicy(origins.filter((origin) => !Token.isUnresolved(origin))), allowOrigins: origins };
}

/** API Gateway's preflight answers (a mock integration per resource) for the shared CORS policy. */
function corsPreflightOptions(policy: CorsPolicy): apigw.CorsOptions {
  return {
    allowOrigins: [...policy.allowOrigins],
    allowCredentials: true,
    allowMethods: [...policy.allowMethods],
    allowHeaders: [...policy.allowHeaders],
    exposeHeaders: [...policy.exposeHeaders],
    maxAge: Duration.seconds(policy.maxAgeSeconds),
    statusCode: 204,
  };
}

function routeKey(method: string, path: string): string {
  return `${method} ${path}`;
}

/** One JSON object per request, with the authorizer's verdict and the tenant it named. */
function accessLogFormat(): apigw.AccessLogFormat {
  const F = apigw.AccessLogField;
  return apigw.AccessLogFormat.custom(
    JSON.stringify({
      requestId: F.contextRequestId(),
      extendedRequestId: F.contextExtendedRequestId(),
      requestTime: F.contextRequestTime(),
      httpMethod: F.contextHttpMethod(),
      resourcePath: F.contextResourcePath(),
      path: F.contextPath(),
      protocol: F.contextProtocol(),
      status: F.contextStatus(),
      responseLength: F.contextResponseLength(),
      responseLatency: F.contextResponseLatency(),
      integrationLatency: F.contextIntegrationLatency(),
      integrationStatus: F.contextIntegrationStatus(),
      errorType: F.contextErrorResponseType(),
      errorMessage: F.contextErrorMessage(),
      authorizerStatus: F.contextAuthorizerStatus(),
      authorizerLatency: F.contextAuthorizerLatency(),
      authorizerError: F.contextAuthorizerError(),
      principalId: F.contextAuthorizerPrincipalId(),
      tenantId: F.contextAuthorizer('tenantId'),
      principalType: F.contextAuthorizer('principalType'),
      sourceIp: F.contextIdentitySourceIp(),
      userAgent: F.contextIdentityUserAgent(),
      xrayTraceId: F.contextXrayTraceId(),
    }),
  );
}
