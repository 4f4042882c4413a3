import { RUN_QUEUE_MAX_RECEIVES } from '../../functions/workflows/run.queue';
import { ACCESS_CACHE_DEFAULT_SECONDS } from '../../functions/core/config';
import { DATA_SCOPES, roleArnVariable } from '../../functions/data/data-scopes';
import { App } from 'aws-cdk-lib';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { CLIENT_LIMITS } from '../../functions/billing/client-limits.catalogue';
import { PLANS, PLATFORM_RATE_LIMIT, REDIRECT_RATE_LIMIT } from '../../functions/billing/plan.catalogue';
import { platformUsageKey, redirectUsageKey } from '../../functions/identity/usage-identifier';
import { PROBLEM_CONTENT_TYPE } from '../../functions/core/problem';
import { TABLE_SCHEMA } from '../../functions/data/table.schema';
import { isPublic, ROUTES } from '../../functions/routes';
import { dataAccessOf, needsOf, REGION_FUNCTION_NAMES, RegionStack } from '../../lib/stacks/region-stack';
import { TEST_ACCOUNT_ID } from '../support/iam-simulation';
import { ownedStatements } from './support/iam-statements';
import { renderIntrinsics } from './support/intrinsics';
import { resolveIntrinsics, type CfnResource, type CfnTemplate } from '../support/iam-simulation';
import { buildFixture, CDK_CONTEXT, CONFIG, logicalIdOf, STUB_CODE, templateOf } from './support/platform-fixture';

const fixture = buildFixture();

/** `METHOD /path` of every API Gateway method of a template, with the method resource. */
function methodsByRoute(json: CfnTemplate): Map<string, CfnResource> {
  const resources = json.Resources;
  const pathOf = (ref: unknown): string => {
    if (ref && typeof ref === 'object' && 'Fn::GetAtt' in ref) return ''; // the API's root resource
    const id = (ref as { Ref: string }).Ref;
    const resource = resources[id];
    return `${pathOf(resource.Properties!.ParentId)}/${resource.Properties!.PathPart}`;
  };
  const methods = new Map<string, CfnResource>();
  for (const resource of Object.values(resources)) {
    // CORS preflight methods (mock integrations) are checked in gateway-problems.test.ts.
    if (resource.Type !== 'AWS::ApiGateway::Method' || resource.Properties!.HttpMethod === 'OPTIONS') continue;
    methods.set(`${resource.Properties!.HttpMethod} ${pathOf(resource.Properties!.ResourceId) || '/'}`, resource);
  }
  return methods;
}

describe.each(CONFIG.regions)('region stack %s', (region) => {
  const stack = fixture.stacks.regions.get(region)!;
  const { template, json } = templateOf(stack);

  it('is pinned to its region and named after it', () => {
    // Assess
    expect(stack.region).toBe(region);
    expect(stack.stackName).toContain(region);
    const artifact = fixture.app.synth().getStackArtifact(stack.artifactId);
    expect(artifact.environment.region).toBe(region);
  });

  it('keeps tenant data in one table of its own region: keys, index, TTL, PITR, stream, on demand, retained', () => {
    // Assess
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 1);
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    const index = TABLE_SCHEMA.indexes.byCollection;
    template.hasResource('AWS::DynamoDB::GlobalTable', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: Match.arrayWith([
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
          { AttributeName: index.partitionKey, AttributeType: 'S' },
          { AttributeName: index.sortKey, AttributeType: 'S' },
        ]),
        GlobalSecondaryIndexes: [
          {
            IndexName: index.indexName,
            KeySchema: [
              { AttributeName: index.partitionKey, KeyType: 'HASH' },
              { AttributeName: index.sortKey, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.ttlAttribute, Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        // One replica, in the stack's own region: residency.
        Replicas: [
          Match.objectLike({
            Region: region,
            DeletionProtectionEnabled: true,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true, RecoveryPeriodInDays: 35 },
          }),
        ],
      },
    });
    // No resource policy could open the table to anyone beside the data roles.
    const table = Object.values(json.Resources).find((r) => r.Type === 'AWS::DynamoDB::GlobalTable')!;
    expect(table.Properties!.Replicas[0].ResourcePolicy).toBeUndefined();
  });

  it('runs every function on Node.js 22 arm64 with tracing, its own log group and the platform environment', () => {
    // Prepare
    const tableId = logicalIdOf(stack.table.table);

    // Assess
    // The region's functions, the CDK provider framework in front of the issuer registrar, and the console upload.
    template.resourceCountIs('AWS::Lambda::Function', REGION_FUNCTION_NAMES.length + 2);
    for (const name of REGION_FUNCTION_NAMES) {
      const access = dataAccessOf(name);
      const needs = needsOf(name);
      const fn = stack.functions[name];
      const resource = json.Resources[logicalIdOf(fn.function)];
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        // The run and job workers execute runs and whole exports from their queues for up to Lambda's 15 minutes, the
        // retention sweep and the recovery drill every tenant of the region; everything else answers fast.
        Timeout: ['run-consumer', 'job-consumer', 'retention-sweep', 'recovery-drill'].includes(name) ? 900 : 10,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: logicalIdOf(fn.logGroup) } },
        Role: { 'Fn::GetAtt': [logicalIdOf(fn.role), 'Arn'] },
      });
      const env = resource.Properties!.Environment.Variables;
      expect(env).toMatchObject({
        TABLE_NAME: { Ref: tableId },
        STAGE: CONFIG.stage,
      });
      // No Node source maps at load (the logger maps the stacks it writes): every cold start would read the map.
      expect(env.NODE_OPTIONS).toBeUndefined();
      // The region's own entry is its execute-api URL, built from the API id (not the stage, which depends on it).
      const endpoints = JSON.parse(resolveIntrinsics(env.REGION_ENDPOINTS, json, { region }));
      expect(endpoints).toEqual({
        [region]: `https://${logicalIdOf(stack.api.api)}.execute-api.${region}.amazonaws.com/${CONFIG.stage}`,
      });
      for (const scope of DATA_SCOPES) {
        const roleArn = { 'Fn::GetAtt': [logicalIdOf(stack.dataAccess.byScope[scope].role), 'Arn'] };
        expect({ name, scope, arn: env[roleArnVariable(scope)] }).toEqual({ name, scope, arn: access[scope] ? roleArn : undefined });
      }
      expect(env).toMatchObject({ CONTROL_PLANE_REGION: CONFIG.homeRegion, DIRECTORY_REGIONS: CONFIG.regions.join(',') });
      // Secrets by reference only: the ARN, read at cold start through the extension layer.
      expect(env.CURSOR_SECRET).toBeUndefined();
      expect(env.CURSOR_SECRET_ARN).toEqual(needs.cursors ? { Ref: logicalIdOf(stack.cursorSecret) } : undefined);
      const bundles = 'portability' in needs && needs.portability;
      expect(env.BUNDLE_SECRET_ARN).toEqual(bundles ? { Ref: logicalIdOf(stack.bundleSecret) } : undefined);
      expect(resource.Properties!.Layers ?? []).toHaveLength(needs.cursors || bundles ? 1 : 0);
      expect(env.ONBOARDING_EVENT_BUS === undefined).toBe(!needs.onboardingEvents);
      expect(env.MODEL_PROVIDER).toBe(needs.modelInvocation ? 'bedrock' : undefined);
      expect(json.Resources[logicalIdOf(fn.logGroup)]).toMatchObject({
        Type: 'AWS::Logs::LogGroup',
        DeletionPolicy: 'Retain',
        Properties: { RetentionInDays: 30 },
      });
    }
  });

  it("lets only the portability group (the compliance report) read the table's backup status, of that table only", () => {
    // Prepare
    const serving = stack.functions.portability;
    const roleId = logicalIdOf(serving.role);

    // Assess
    expect(REGION_FUNCTION_NAMES.filter((name) => needsOf(name).backupStatus)).toEqual(['portability']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Environment: { Variables: Match.objectLike({ BACKUP_STATUS: 'point-in-time-recovery' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'TableBackupStatus',
            Effect: 'Allow',
            Action: 'dynamodb:DescribeContinuousBackups',
            Resource: { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'Arn'] },
          },
        ]),
      },
    });
  });

  it('lets only the registrar delete API keys, of its own region: the keys migrations made, before a tenant stack makes its own', () => {
    // Prepare
    const registrar = stack.functions['issuer-registration'];
    const roleId = logicalIdOf(registrar.role);
    const deletesKeys = ownedStatements(json).filter(
      (owned) => JSON.stringify(owned.statement.Action).includes('apigateway:DELETE') && JSON.stringify(owned.statement.Resource).includes('/apikeys/'),
    );

    // Assess
    expect(REGION_FUNCTION_NAMES.filter((name) => 'usageKeyRelease' in needsOf(name))).toEqual(['issuer-registration']);
    expect(deletesKeys.map((owned) => ({ roles: owned.roles, resources: renderIntrinsics([owned.statement.Resource].flat(), region) }))).toEqual([
      { roles: [roleId], resources: [`arn:aws:apigateway:${region}::/apikeys/*`] },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Environment: { Variables: Match.objectLike({ USAGE_KEY_RELEASE: 'api-gateway' }) },
    });
  });

  it("lets only the job consumer make a migrated tenant's key in the other regions' usage plans, and nothing else of their API Gateway", () => {
    // Prepare
    const consumer = stack.functions['job-consumer'];
    const roleId = logicalIdOf(consumer.role);
    const others = CONFIG.regions.filter((other) => other !== region);
    const arns = (...paths: string[]) => others.flatMap((other) => paths.map((path) => `arn:aws:apigateway:${other}::${path}`)).sort();
    const granted = (sid: string) =>
      ownedStatements(json)
        .filter((owned) => owned.statement.Sid === sid)
        .map((owned) => ({
          roles: owned.roles,
          action: owned.statement.Action,
          resources: renderIntrinsics([owned.statement.Resource].flat(), region).sort(),
        }));

    // Assess
    expect(REGION_FUNCTION_NAMES.filter((name) => 'migrations' in needsOf(name))).toEqual(['job-consumer']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Environment: { Variables: Match.objectLike({ USAGE_KEY_BINDING: 'api-gateway', TENANT_POOLS: 'stack' }) },
    });
    expect(granted('MigrationFindUsagePlansAndKeys')).toEqual([{ roles: [roleId], action: 'apigateway:GET', resources: arns('/apikeys', '/usageplans') }]);
    expect(granted('MigrationMakeUsageKeys')).toEqual([{ roles: [roleId], action: 'apigateway:POST', resources: arns('/apikeys', '/usageplans/*/keys') }]);
    expect(granted('MigrationMoveUsagePlanKeys')).toEqual([{ roles: [roleId], action: 'apigateway:DELETE', resources: arns('/usageplans/*/keys/*') }]);
    // Its own region's API Gateway is not the job consumer's: a migration never goes to the region it runs in.
    const ownApiGateway = ownedStatements(json)
      .filter((owned) => owned.roles.includes(roleId))
      .flatMap((owned) => renderIntrinsics([owned.statement.Resource].flat(), region))
      .filter((resource: string) => resource.startsWith(`arn:aws:apigateway:${region}:`));
    expect(ownApiGateway).toEqual([]);
  });

  it('lets only the run worker invoke Bedrock models, of its own region; the workflows API only queues runs', () => {
    // Prepare
    const worker = stack.functions['run-consumer'];
    const roleId = logicalIdOf(worker.role);
    const resources = new Capture();

    // Assess
    expect(REGION_FUNCTION_NAMES.filter((name) => needsOf(name).modelInvocation)).toEqual(['run-consumer']);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Role: { 'Fn::GetAtt': [roleId, 'Arn'] },
      Timeout: 900,
      Environment: { Variables: Match.objectLike({ MODEL_PROVIDER: 'bedrock' }) },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: Match.arrayWith([{ Sid: 'InvokeModels', Effect: 'Allow', Action: 'bedrock:InvokeModel', Resource: resources }]),
      },
    });
    expect(renderIntrinsics(resources.asArray(), region).sort()).toEqual(
      [`arn:aws:bedrock:${region}::foundation-model/*`, `arn:aws:bedrock:${region}:${TEST_ACCOUNT_ID}:inference-profile/*`].sort(),
    );
    // No other role of the region reaches Bedrock.
    const bedrockHolders = ownedStatements(json)
      .filter((owned) => [owned.statement.Action].flat().some((action: string) => action === '*' || action.startsWith('bedrock:')))
      .flatMap((owned) => owned.roles);
    expect([...new Set(bedrockHolders)]).toEqual([roleId]);
  });

  it('feeds TTL removals of items of expiring kinds from the stream to the memory-expiry function, failed batches to an encrypted TLS-only queue', () => {
    // Prepare
    const consumer = stack.memoryExpiry;
    const pattern = new Capture();
    const queueId = logicalIdOf(consumer.failureQueue);

    // Assess
    // The stream's two (memory expiry, audit sealing), the runs queue's and the jobs queue's.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 4);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack.functions['memory-expiry'].function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'StreamArn'] },
      StartingPosition: 'LATEST',
      BatchSize: Match.anyValue(),
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: Match.anyValue(),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: pattern }] },
    });
    expect(JSON.parse(pattern.asString())).toEqual({
      eventName: ['REMOVE'],
      userIdentity: { type: ['Service'], principalId: ['dynamodb.amazonaws.com'] },
      dynamodb: {
        Keys: {
          [TABLE_SCHEMA.partitionKey]: { S: [{ prefix: 'T#' }] },
          [TABLE_SCHEMA.sortKey]: { S: [{ prefix: 'M#' }, { prefix: 'RUN#' }, { prefix: 'INVOICE#' }, { prefix: 'JOB#' }] },
        },
      },
    });
    template.hasResource('AWS::SQS::Queue', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 }),
    });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('feeds inserts of pending audit entries from the stream to the audit sealer, failed batches to a queue, delays alarmed', () => {
    // Prepare
    const pattern = new Capture();
    const queueId = logicalIdOf(stack.auditSealing.failureQueue);

    // Assess
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(stack.functions['audit-sealer'].function) },
      EventSourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'StreamArn'] },
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      FilterCriteria: { Filters: [{ Pattern: pattern }] },
    });
    expect(JSON.parse(pattern.asString())).toEqual({
      eventName: ['INSERT'],
      dynamodb: {
        Keys: { [TABLE_SCHEMA.partitionKey]: { S: [{ prefix: 'T#' }] } },
        NewImage: { digest: { S: [{ exists: true }] }, seq: { N: [{ exists: false }] } },
      },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'IteratorAge',
      Threshold: 60_000,
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(stack.functions['audit-sealer'].function) } }],
    });
  });

  it('runs the retention sweep hourly on a schedule, with the tenant data role and the directory read only, and nothing else', () => {
    // Prepare
    const sweeper = stack.functions['retention-sweep'];
    const roleId = logicalIdOf(sweeper.role);

    // Assess: an hourly rule invokes the sweep, retried twice
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(35 * * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(sweeper.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(sweeper.function), 'Arn'] },
    });
    expect(needsOf('retention-sweep')).toEqual({ data: ['tenant', 'directory'] });
    expect(dataAccessOf('retention-sweep')).toEqual({ tenant: true, directory: true, platform: false, issuers: false });
    // Its execution role holds no DynamoDB action itself (the data roles it assumes scope every key), no queue, bucket or mail.
    const actions = ownedStatements(json)
      .filter((owned) => owned.roles.includes(roleId))
      .flatMap((owned) => [owned.statement.Action].flat() as string[]);
    expect(actions.filter((action) => /^(dynamodb|sqs|s3|ses|bedrock):/.test(action))).toEqual([]);
    expect(actions).toContain('sts:AssumeRole');
  });

  it('runs the period close hourly on a schedule, with the tenant and platform data roles and the invoice counter in the tenant role', () => {
    // Prepare
    const closer = stack.functions['period-close'];
    const tenantRole = stack.dataAccess.tenantData.role;

    // Assess: an hourly rule invokes the period-close function, retried twice
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(5 * * * ? *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(closer.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(closer.function), 'Arn'] },
    });
    expect(needsOf('period-close')).toMatchObject({ data: ['tenant', 'platform'], allRegions: true });
    // The tenant role's sessions may take the region's invoice number in the invoice's transaction, nothing else of P#.
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: Match.anyValue(),
      Policies: [
        Match.objectLike({
          PolicyDocument: Match.objectLike({
            Statement: [
              Match.objectLike({
                Condition: Match.objectLike({
                  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [Match.stringLikeRegexp('^T#'), 'P#INVOICE-NUMBERS#*'] },
                }),
              }),
            ],
          }),
        }),
      ],
    });
    expect(logicalIdOf(tenantRole)).toBeDefined();
  });

  it('queues runs on a KMS-encrypted TLS-only queue read by the run worker with partial batch failures, dead-lettered and alarmed', () => {
    // Prepare
    const runs = stack.runs;
    const queueId = logicalIdOf(runs.queue);
    const dlqId = logicalIdOf(runs.deadLetterQueue);
    const worker = stack.functions['run-consumer'];

    // Assess: the worker reads the queue in small batches and reports the messages that failed.
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: logicalIdOf(worker.function) },
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 5,
      ScalingConfig: { MaximumConcurrency: 50 },
    });
    // A message comes back only when the invocation that held it has ended (visibility = the worker's timeout), and
    // moves to the dead-letter queue after RUN_QUEUE_MAX_RECEIVES deliveries.
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 900,
      KmsMasterKeyId: Match.anyValue(),
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: RUN_QUEUE_MAX_RECEIVES },
    });
    template.hasResource('AWS::SQS::Queue', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({ KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 24 * 3600 }),
    });
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
        },
      });
    }
    // The API that starts runs and the worker that re-sends waiting ones may send; both know the queue.
    for (const fn of [stack.functions.workflows, worker]) {
      const resource = json.Resources[logicalIdOf(fn.function)];
      expect(resource.Properties!.Environment.Variables.RUNS_QUEUE_URL).toEqual({ Ref: queueId });
      template.hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: logicalIdOf(fn.role) }],
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['sqs:SendMessage']), Resource: { 'Fn::GetAtt': [queueId, 'Arn'] } })]),
        },
      });
    }
    expect(json.Resources[logicalIdOf(worker.function)].Properties!.Environment.Variables.RUN_LEASE_SECONDS).toBe('900');
    // Dead letters raise the operators' alarm.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      AlarmActions: Match.anyValue(),
    });
  });

  it('invokes the run worker every minute to send runs no message will reach again, with what the sweep reads', () => {
    // Prepare
    const worker = stack.functions['run-consumer'];
    const ruleId = logicalIdOf(stack.runs.sweepSchedule);

    // Assess: a schedule rule targets the worker itself (its grants: tenant data, the directory, the queue).
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(worker.function), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } })],
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [logicalIdOf(worker.function), 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    expect(dataAccessOf('run-consumer')).toMatchObject({ tenant: true, directory: true });
  });

  it('has one method per route: authorizer on every non-public route, none on public ones, proxy to the group function', () => {
    // Prepare
    const methods = methodsByRoute(json);
    const authorizerId = logicalIdOf(stack.api.authorizer);

    // Assess
    expect(methods.size).toBe(ROUTES.length);
    for (const route of ROUTES) {
      const method = methods.get(`${route.method} ${route.path}`);
      expect(method).toBeDefined();
      const props = method!.Properties!;
      expect(props.OperationName).toBe(route.operationId);
      if (isPublic(route)) {
        expect(props.AuthorizationType).toBe('NONE');
        expect(props.AuthorizerId).toBeUndefined();
        expect(props.ApiKeyRequired).toBeFalsy();
      } else {
        expect(props.AuthorizationType).toBe('CUSTOM');
        expect(props.AuthorizerId).toEqual({ Ref: authorizerId });
        // API Gateway throttles and meters by usage plan only the methods that require a key.
        expect(props.ApiKeyRequired).toBe(true);
      }
      expect(props.Integration.Type).toBe('AWS_PROXY');
      expect(JSON.stringify(props.Integration.Uri)).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.functions[route.group].function), 'Arn'] }));
    }
  });

  it('caches the REQUEST authorizer answer per Authorization header for the revocation bound (ACCESS_CACHE_SECONDS)', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGateway::Authorizer', 1);
    const authorizer = json.Resources[logicalIdOf(stack.api.authorizer)].Properties!;
    expect(authorizer).toMatchObject({
      Type: 'REQUEST',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: ACCESS_CACHE_DEFAULT_SECONDS,
    });
    expect(JSON.stringify(authorizer.AuthorizerUri)).toContain(JSON.stringify({ 'Fn::GetAtt': [logicalIdOf(stack.functions.authorizer.function), 'Arn'] }));
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { ApiKeySourceType: 'AUTHORIZER', EndpointConfiguration: { Types: ['REGIONAL'] } });
  });

  it.each([
    ['UNAUTHORIZED', 401, 'unauthenticated'],
    ['ACCESS_DENIED', 403, 'forbidden'],
    ['MISSING_AUTHENTICATION_TOKEN', 404, 'route-not-found'],
    ['THROTTLED', 429, 'rate-limited'],
    ['QUOTA_EXCEEDED', 429, 'rate-limited'],
    ['BAD_REQUEST_BODY', 400, 'malformed-request'],
    ['DEFAULT_4XX', 400, 'bad-request'],
    ['DEFAULT_5XX', 500, 'internal-error'],
  ])('answers gateway response %s with %i problem+json (%s)', (responseType, status, code) => {
    // Prepare
    const response = Object.values(json.Resources).find((r) => r.Type === 'AWS::ApiGateway::GatewayResponse' && r.Properties!.ResponseType === responseType);

    // Assess
    expect(response).toBeDefined();
    const props = response!.Properties!;
    expect(props.StatusCode).toBe(String(status));
    expect(props.ResponseParameters['gatewayresponse.header.Content-Type']).toBe(`'${PROBLEM_CONTENT_TYPE}'`);
    // The template is JSON once API Gateway has put its (quoted) message in.
    const body = JSON.parse(props.ResponseTemplates['application/json'].replace('$context.error.messageString', '"message"'));
    expect(body).toEqual({
      type: expect.stringMatching(new RegExp(`/${code}$`)),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code,
      requestId: '$context.requestId',
    });
  });

  it('logs access as JSON, traces, throttles the stage and keeps bodies out of execution logs', () => {
    // Prepare
    const stage = Object.values(json.Resources).find((r) => r.Type === 'AWS::ApiGateway::Stage')!.Properties!;

    // Assess
    expect(stage).toMatchObject({
      StageName: CONFIG.stage,
      TracingEnabled: true,
      MethodSettings: [
        expect.objectContaining({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          ThrottlingRateLimit: 1000,
          ThrottlingBurstLimit: 2000,
        }),
      ],
    });
    const format = JSON.parse(stage.AccessLogSetting.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', tenantId: '$context.authorizer.tenantId' });
    expect(JSON.stringify(stage.AccessLogSetting.DestinationArn)).toContain(logicalIdOf(stack.api.accessLogGroup));
  });

  it('has a usage plan per plan of the catalogue with its throttle and daily quota on the stage', () => {
    // Assess
    template.resourceCountIs('AWS::ApiGateway::UsagePlan', Object.keys(PLANS).length + 2);
    for (const plan of Object.values(PLANS)) {
      template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
        UsagePlanName: Match.stringLikeRegexp(`-${plan.id}$`),
        Throttle: { RateLimit: plan.rateLimit.requestsPerSecond, BurstLimit: plan.rateLimit.burst },
        Quota: { Limit: plan.limits.apiRequestsPerDay, Period: 'DAY' },
        ApiStages: [Match.objectLike({ ApiId: { Ref: logicalIdOf(stack.api.api) } })],
      });
    }
  });

  it.each([
    // Platform admins act for the platform, not within a tenant's plan.
    { who: 'platform admins', plan: () => stack.api.platformUsagePlan, key: platformUsageKey(CONFIG.stage), name: '-platform$', rate: PLATFORM_RATE_LIMIT },
    // Tenants homed in another region: their own key exists only where their stack is, so the 421 needs one every region has.
    {
      who: 'tenants homed in another region',
      plan: () => stack.api.redirectUsagePlan,
      key: redirectUsageKey(CONFIG.stage),
      name: '-redirect$',
      rate: REDIRECT_RATE_LIMIT,
    },
  ])('meters $who by the key the authorizer names for them, in a usage plan of their own', ({ plan, key, name, rate }) => {
    // Prepare
    const [keyId] = Object.keys(template.findResources('AWS::ApiGateway::ApiKey', { Properties: { Enabled: true, Value: key } }));

    // Assess
    expect(keyId).toBeDefined();
    template.hasResourceProperties('AWS::ApiGateway::UsagePlanKey', { KeyId: { Ref: keyId }, KeyType: 'API_KEY', UsagePlanId: { Ref: logicalIdOf(plan()) } });
    template.hasResourceProperties('AWS::ApiGateway::UsagePlan', {
      UsagePlanName: Match.stringLikeRegexp(name),
      Throttle: { RateLimit: rate.requestsPerSecond, BurstLimit: rate.burst },
      ApiStages: [Match.objectLike({ ApiId: { Ref: logicalIdOf(stack.api.api) } })],
    });
  });

  describe('WAF web ACL', () => {
    const ruleOf = (name: string) => Match.objectLike({ Name: name, VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true }) });
    const perClient = (name: string, limit: keyof typeof CLIENT_LIMITS, scopeDown: unknown) =>
      Match.objectLike({
        Name: name,
        Action: {
          Block: {
            CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: `rate-limited-${limit}`, ResponseHeaders: [{ Name: 'Retry-After', Value: '60' }] },
          },
        },
        Statement: {
          RateBasedStatement: {
            AggregateKeyType: 'IP',
            Limit: CLIENT_LIMITS[limit].requests,
            EvaluationWindowSec: CLIENT_LIMITS[limit].windowSeconds,
            ScopeDownStatement: scopeDown,
          },
        },
      });
    const publicPaths = {
      OrStatement: {
        Statements: ROUTES.filter(isPublic).map((route) => ({
          ByteMatchStatement: Match.objectLike({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'ENDS_WITH', SearchString: route.path }),
        })),
      },
    };
    const absent = (header: string) => ({
      NotStatement: {
        Statement: { SizeConstraintStatement: Match.objectLike({ FieldToMatch: { SingleHeader: { Name: header } }, ComparisonOperator: 'GT', Size: 0 }) },
      },
    });

    it('limits each client address with the catalogue numbers, tighter on public routes and on requests without credentials', () => {
      // Assess
      template.resourceCountIs('AWS::WAFv2::WebACL', 1);
      template.hasResourceProperties('AWS::WAFv2::WebACL', {
        Scope: 'REGIONAL',
        DefaultAction: { Allow: {} },
        VisibilityConfig: Match.objectLike({ CloudWatchMetricsEnabled: true, SampledRequestsEnabled: true }),
        Rules: [
          ruleOf('AmazonIpReputation'),
          ruleOf('KnownBadInputs'),
          perClient('PublicRoutesPerClient', 'publicRoutes', publicPaths),
          perClient('UncredentialedPerClient', 'rejected', {
            AndStatement: { Statements: [{ NotStatement: { Statement: publicPaths } }, absent('authorization')] },
          }),
          perClient('AnyRequestPerClient', 'anyRequest', Match.absent()),
        ],
      });
    });

    it('answers a limited client with the 429 problem document the local gateway sends', () => {
      // Prepare
      const bodies = new Capture();

      // Act
      template.hasResourceProperties('AWS::WAFv2::WebACL', { CustomResponseBodies: bodies });

      // Assess
      const captured = bodies.asObject() as Record<string, { ContentType: string; Content: string }>;
      expect(Object.keys(captured).sort()).toEqual(['rate-limited-anyRequest', 'rate-limited-publicRoutes', 'rate-limited-rejected']);
      for (const body of Object.values(captured)) {
        expect(body.ContentType).toBe('APPLICATION_JSON');
        expect(JSON.parse(body.Content)).toMatchObject({ status: 429, code: 'rate-limited', title: 'Too many requests' });
      }
    });

    it("is associated with the regional API's stage", () => {
      // Prepare
      const stageId = logicalIdOf(stack.api.api.deploymentStage);

      // Assess
      template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
      template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
        WebACLArn: { 'Fn::GetAtt': [logicalIdOf(stack.firewall.webAcl), 'Arn'] },
        ResourceArn: {
          'Fn::Join': ['', Match.arrayWith([{ Ref: logicalIdOf(stack.api.api) }, '/stages/', { Ref: stageId }])],
        },
      });
    });

    it('logs blocked and counted requests, without credentials, to a retained log group', () => {
      // Assess
      template.hasResource('AWS::Logs::LogGroup', {
        DeletionPolicy: 'Retain',
        Properties: { LogGroupName: Match.stringLikeRegexp('^aws-waf-logs-'), RetentionInDays: 90 },
      });
      template.hasResourceProperties('AWS::WAFv2::LoggingConfiguration', {
        ResourceArn: { 'Fn::GetAtt': [logicalIdOf(stack.firewall.webAcl), 'Arn'] },
        LogDestinationConfigs: [Match.objectLike({ 'Fn::Join': Match.anyValue() })],
        RedactedFields: [{ SingleHeader: { Name: 'authorization' } }, { SingleHeader: { Name: 'x-api-key' } }],
        LoggingFilter: Match.objectLike({ DefaultBehavior: 'DROP' }),
      });
    });
  });

  it('keeps exports in an encrypted, versioned, private, TLS-only, retained, access-logged bucket', () => {
    // Prepare
    const bucketId = logicalIdOf(stack.exports.bucket);

    // Assess
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: { DestinationBucketName: { Ref: logicalIdOf(stack.exports.accessLogBucket) } },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('backs the table up into a retained vault of the same region, never copying elsewhere', () => {
    // Assess
    template.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain' });
    const plan = Object.values(json.Resources).find((r) => r.Type === 'AWS::Backup::BackupPlan')!.Properties!;
    for (const rule of plan.BackupPlan.BackupPlanRule) {
      expect(rule.CopyActions).toBeUndefined();
      expect(rule.TargetBackupVault).toEqual({ 'Fn::GetAtt': [logicalIdOf(stack.backup.vault), 'BackupVaultName'] });
    }
    template.hasResourceProperties('AWS::Backup::BackupSelection', {
      BackupSelection: { Resources: [{ 'Fn::GetAtt': [logicalIdOf(stack.table.table), 'Arn'] }] },
    });
  });

  it('alarms on API 5xx answers, throttled functions and throttled table requests', () => {
    // Assess
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: '5XXError', Namespace: 'AWS/ApiGateway' });
    for (const fn of Object.values(stack.functions)) {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'Throttles',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: logicalIdOf(fn.function) } }],
      });
    }
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([Match.objectLike({ MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ReadThrottleEvents' }) }) })]),
    });
  });
});

describe('region stack with configured regional endpoints and a tenant base domain', () => {
  // Prepare
  const config = {
    ...CONFIG,
    regions: ['eu-central-1', 'us-east-1'],
    apiBaseDomain: 'agents.example.com',
    regionEndpoints: { 'eu-central-1': 'https://eu.agents.example.com', 'us-east-1': 'https://us.agents.example.com' },
  };
  const app = new App({ context: CDK_CONTEXT });
  const stack = new RegionStack(app, 'Region', { config, region: 'eu-central-1', functionCode: STUB_CODE });
  const { json } = templateOf(stack);

  it("gives every function every region's public endpoint and the base domain", () => {
    for (const fn of Object.values(stack.functions)) {
      // Act
      const env = json.Resources[logicalIdOf(fn.function)].Properties!.Environment.Variables;

      // Assess
      expect(JSON.parse(resolveIntrinsics(env.REGION_ENDPOINTS, json, { region: 'eu-central-1' }))).toEqual(config.regionEndpoints);
      expect(env.API_BASE_DOMAIN).toBe('agents.example.com');
    }
  });

  it('refuses a region that is not a residency region', () => {
    expect(() => new RegionStack(new App(), 'Elsewhere', { config, region: 'ap-south-1', functionCode: STUB_CODE })).toThrow(
      /ap-south-1 is not a residency region/,
    );
  });
});
