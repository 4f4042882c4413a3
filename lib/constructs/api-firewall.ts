import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import { CLIENT_LIMIT_DETAILS, CLIENT_LIMITS, checkClientLimits, type ClientLimit, type ClientLimits } from '../../functions/billing/client-limits.catalogue';
import { RateLimitedError } from '../../functions/core/errors';
import { toProblem } from '../../functions/core/problem';

export interface ApiFirewallProps {
  /** Name of the web ACL; its rules' metrics and its log group are named after it. */
  readonly name: string;
  /** The regional REST API stages the web ACL protects. */
  readonly stages: readonly apigw.Stage[];
  /** Paths of the public routes (from the route table), which get the tighter public-route limit. */
  readonly publicPaths: readonly string[];
  /**
   * Limits per client address.
   * @default CLIENT_LIMITS of the client-limits catalogue (the same numbers the local gateway enforces)
   */
  readonly limits?: ClientLimits;
  /**
   * Retention of the log of blocked and counted requests.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

type Statement = wafv2.CfnWebACL.StatementProperty;

/** How long a blocked client is told to wait: WAF lifts a block once the client's rate falls under the limit. */
const RETRY_AFTER_SECONDS = 60;

/** The header every credential arrives in (the authorizer's identity source); without it, API Gateway answers 401. */
const CREDENTIAL_HEADER = 'authorization';

/**
 * Headers kept out of the logs: the credential's, and X-Api-Key, which older clients may still send a key in (it is
 * no credential any more, but its value is a secret all the same).
 */
const REDACTED_HEADERS = [CREDENTIAL_HEADER, 'x-api-key'];

/**
 * The region's WAF web ACL on its REST API stages: limits per client address from the client-limits catalogue
 * (every request; public routes; requests without any credential, sure to be refused), answered with a 429
 * problem and Retry-After, and two AWS managed rule groups with few false positives (known bad inputs, Amazon's IP
 * reputation list). The common rule set is left out: agent instructions and memories are free text that may look
 * like script or SQL, and its body-size rule would refuse the bodies the API accepts. Blocked and counted requests
 * are logged without their credential headers; every rule has CloudWatch metrics.
 */
export class ApiFirewall extends Construct {
  readonly webAcl: wafv2.CfnWebACL;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    if (props.stages.length === 0) throw new Error('ApiFirewall needs at least one stage to protect');
    const limits = checkClientLimits(props.limits ?? CLIENT_LIMITS);
    const publicPaths = publicPathStatement(props.publicPaths);
    const rule = ruleFactory(props.name);

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: props.name,
      description: 'Limits per client address and managed rules in front of the regional API',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility(props.name),
      customResponseBodies: Object.fromEntries(
        (Object.keys(CLIENT_LIMIT_DETAILS) as (keyof ClientLimits)[]).map((limit) => [bodyKey(limit), rateLimitedBody(limit)]),
      ),
      rules: [
        rule.managed('AmazonIpReputation', 0, 'AWSManagedRulesAmazonIpReputationList'),
        rule.managed('KnownBadInputs', 1, 'AWSManagedRulesKnownBadInputsRuleSet'),
        rule.perClient('PublicRoutesPerClient', 2, 'publicRoutes', limits.publicRoutes, publicPaths),
        rule.perClient('UncredentialedPerClient', 3, 'rejected', limits.rejected, {
          andStatement: { statements: [not(publicPaths), not(headerPresent(CREDENTIAL_HEADER))] },
        }),
        rule.perClient('AnyRequestPerClient', 4, 'anyRequest', limits.anyRequest),
      ],
    });

    props.stages.forEach((stage, index) => {
      new wafv2.CfnWebACLAssociation(this, `Association${index}`, { resourceArn: stage.stageArn, webAclArn: this.webAcl.attrArn });
    });

    this.logGroup = this.addLogging(props);
  }

  /** Blocked and counted requests to a log group (WAF requires the `aws-waf-logs-` prefix), credentials redacted. */
  private addLogging(props: ApiFirewallProps): logs.LogGroup {
    const logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `aws-waf-logs-${props.name}`,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // WAF takes the log group's ARN without the `:*` that logGroupArn ends with.
      logDestinationConfigs: [
        Stack.of(this).formatArn({ service: 'logs', resource: 'log-group', resourceName: logGroup.logGroupName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      ],
      redactedFields: REDACTED_HEADERS.map((name) => ({ singleHeader: { Name: name } })),
      loggingFilter: {
        DefaultBehavior: 'DROP',
        Filters: [
          {
            Behavior: 'KEEP',
            Requirement: 'MEETS_ANY',
            Conditions: [{ ActionCondition: { Action: 'BLOCK' } }, { ActionCondition: { Action: 'COUNT' } }],
          },
        ],
      },
    });
    return logGroup;
  }
}

function visibility(metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty {
  return { cloudWatchMetricsEnabled: true, sampledRequestsEnabled: true, metricName };
}

function ruleFactory(aclName: string) {
  return {
    managed: (name: string, priority: number, group: string): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
      visibilityConfig: visibility(`${aclName}-${name}`),
    }),
    perClient: (name: string, priority: number, limit: keyof ClientLimits, value: ClientLimit, scopeDown?: Statement): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      action: {
        block: {
          customResponse: {
            responseCode: 429,
            customResponseBodyKey: bodyKey(limit),
            responseHeaders: [{ name: 'Retry-After', value: String(RETRY_AFTER_SECONDS) }],
          },
        },
      },
      statement: {
        rateBasedStatement: {
          aggregateKeyType: 'IP',
          limit: value.requests,
          evaluationWindowSec: value.windowSeconds,
          ...(scopeDown ? { scopeDownStatement: scopeDown } : {}),
        },
      },
      visibilityConfig: visibility(`${aclName}-${name}`),
    }),
  };
}

function bodyKey(limit: keyof ClientLimits): string {
  return `rate-limited-${limit}`;
}

/** The problem document the local gateway answers with; WAF can only label it application/json. */
function rateLimitedBody(limit: keyof ClientLimits): wafv2.CfnWebACL.CustomResponseBodyProperty {
  return { contentType: 'APPLICATION_JSON', content: JSON.stringify(toProblem(new RateLimitedError(CLIENT_LIMIT_DETAILS[limit]))) };
}

/**
 * Requests to a public route: the URI path ends with the route's path, with or without the stage in front
 * (`/<stage>/v1/health` on the execute-api URL, `/v1/health` behind a custom domain).
 */
function publicPathStatement(paths: readonly string[]): Statement {
  if (paths.length === 0) throw new Error('ApiFirewall needs the public routes of the route table');
  const parametrised = paths.filter((path) => path.includes('{'));
  if (parametrised.length > 0) throw new Error(`public routes must have literal paths to be matched by WAF: ${parametrised.join(', ')}`);
  const statements = paths.map(
    (path): Statement => ({
      byteMatchStatement: {
        fieldToMatch: { uriPath: {} },
        positionalConstraint: 'ENDS_WITH',
        searchString: path,
        textTransformations: [{ priority: 0, type: 'NONE' }],
      },
    }),
  );
  return statements.length === 1 ? statements[0] : { orStatement: { statements } };
}

/** True when the request has the header with a value (WAF's way to test for a header's presence). */
function headerPresent(name: string): Statement {
  return {
    sizeConstraintStatement: {
      fieldToMatch: { singleHeader: { Name: name } },
      comparisonOperator: 'GT',
      size: 0,
      textTransformations: [{ priority: 0, type: 'NONE' }],
    },
  };
}

function not(statement: Statement): Statement {
  return { notStatement: { statement } };
}
