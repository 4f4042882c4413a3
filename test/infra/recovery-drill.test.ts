import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { READ_ACTIONS, TENANT_SESSION_TAG } from '../../lib/constructs/data-access-roles';
import { PlatformFunction } from '../../lib/constructs/platform-function';
import { PlatformTable } from '../../lib/constructs/platform-table';
import { MAX_RESTORE_POLLS, RecoveryDrill, sseOf } from '../../lib/constructs/recovery-drill';
import { PlatformNames } from '../../lib/naming';
import { concreteArn, rolePolicyDocuments, simulateDataRequest, TEST_ACCOUNT_ID, type DataRequest, type PolicyDocument } from '../support/iam-simulation';
import { renderIntrinsics } from './support/intrinsics';
import { buildFixture, CONFIG, logicalIdOf, STUB_CODE, templateOf } from './support/platform-fixture';
import { resolvePolicyIntrinsics } from './support/policy-intrinsics';

/**
 * The scheduled recovery drill of a region stack: its state machine (restore to a scratch table, a bounded wait loop,
 * the drill step, the scratch table deleted on every path), its weekly rule, its alarm, and permissions that reach the
 * scratch tables and nothing else of the region's data.
 */
const region = CONFIG.homeRegion;
const env = { region };
const fixture = buildFixture();
const stack = fixture.stacks.regions.get(region)!;
const { template, json } = templateOf(stack);
const drill = stack.recoveryDrill;
const names = new PlatformNames(CONFIG.stage);
const tableArn = concreteArn(json, logicalIdOf(stack.table.table), env);
const scratchArn = `arn:aws:dynamodb:${region}:${TEST_ACCOUNT_ID}:table/${names.tableName}-drill-1764740000000`;

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Resource?: string;
  readonly Arguments?: Record<string, unknown>;
  readonly Assign?: Record<string, unknown>;
  readonly Catch?: { ErrorEquals: string[]; Next: string }[];
  readonly Retry?: { ErrorEquals: string[] }[];
  readonly Choices?: { Condition: string; Next: string }[];
  readonly Default?: string;
  readonly Seconds?: number;
}

const definition = JSON.parse(renderIntrinsics(json.Resources[logicalIdOf(drill.stateMachine)].Properties!.DefinitionString, region) as unknown as string) as {
  StartAt: string;
  QueryLanguage: string;
  States: Record<string, State>;
};
const states = definition.States;
const policiesOf = (roleId: string): PolicyDocument[] => resolvePolicyIntrinsics(rolePolicyDocuments(json, roleId), json, env);

describe('recovery drill state machine', () => {
  it('names a scratch table, restores the table into it at its latest restorable time, encrypted as the table, on demand', () => {
    // Assess
    expect(definition.QueryLanguage).toBe('JSONata');
    expect(states[definition.StartAt].Next).toBe('RestoreToScratchTable');
    expect(JSON.stringify(states[definition.StartAt])).toContain(`'${names.tableName}-drill-' & $string($millis())`);
    expect(states.RestoreToScratchTable).toMatchObject({
      Resource: 'arn:aws:states:::aws-sdk:dynamodb:restoreTableToPointInTime',
      Arguments: {
        SourceTableArn: `${logicalIdOf(stack.table.table)}.Arn`,
        TargetTableName: '{% $scratchTable %}',
        UseLatestRestorableTime: true,
        BillingModeOverride: 'PAY_PER_REQUEST',
        // The platform's table uses DynamoDB's own key: so does the copy.
        SSESpecificationOverride: { Enabled: false },
      },
      Next: 'WaitForRestore',
    });
  });

  it('polls the scratch table until ACTIVE with a bounded number of looks, then drills the tenants with the drill function, round after round', () => {
    // Assess
    expect(states.WaitForRestore).toMatchObject({ Type: 'Wait', Seconds: 120, Next: 'DescribeScratchTable' });
    expect(states.DescribeScratchTable).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:dynamodb:describeTable', Next: 'Restored' });
    expect(states.Restored.Choices).toEqual([
      { Condition: "{% $status = 'ACTIVE' %}", Next: 'DrillTenants' },
      { Condition: `{% $polls >= ${MAX_RESTORE_POLLS} %}`, Next: 'RestoreTookTooLong' },
    ]);
    expect(states.Restored.Default).toBe('WaitForRestore');
    expect(states.RestoreTookTooLong.Next).toBe('DeleteScratchTable');
    expect(states.NameScratchTable.Assign).toMatchObject({ after: null, drilled: 0, failedTenants: 0, resume: null });
    expect(states.DrillTenants).toMatchObject({
      Resource: 'arn:aws:states:::lambda:invoke',
      Arguments: {
        FunctionName: `${logicalIdOf(stack.functions['recovery-drill'].function)}.Arn`,
        Payload: {
          scratchTable: '{% $scratchTable %}',
          after: '{% $after %}',
          drilled: '{% $drilled %}',
          failed: '{% $failedTenants %}',
          resume: '{% $resume %}',
        },
      },
      // Each round's report carries the next one's start (and where a tenant under way paused) and the counts so far.
      Assign: {
        after: '{% $states.result.Payload.next %}',
        drilled: '{% $states.result.Payload.tenants %}',
        failedTenants: '{% $states.result.Payload.failedTotal %}',
        resume: '{% $states.result.Payload.resume %}',
      },
      Next: 'MoreTenants',
    });
    expect(states.MoreTenants).toMatchObject({
      Choices: [{ Condition: '{% $after != null or $resume != null %}', Next: 'DrillTenants' }],
      Default: 'DeleteScratchTable',
    });
  });

  it.each(['RestoreToScratchTable', 'DescribeScratchTable', 'DrillTenants'])('deletes the scratch table when %s fails, then fails', (name) => {
    // Assess: every error goes to the delete, which ends in the outcome: failed when an error was caught
    expect(states[name].Catch).toEqual([expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DeleteScratchTable' })]);
    expect(states.DeleteScratchTable).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:dynamodb:deleteTable', Next: 'DrillOutcome' });
    expect(states.DrillOutcome.Choices).toEqual([{ Condition: '{% $failure = null %}', Next: 'DrillSucceeded' }]);
    expect(states[states.DrillOutcome.Default!].Type).toBe('Fail');
  });

  it('retries the delete of a table still restoring, and fails loudly when the table cannot be deleted', () => {
    // Assess
    expect(states.DeleteScratchTable.Retry?.[0].ErrorEquals).toEqual(['DynamoDb.ResourceInUseException']);
    expect(states.DeleteScratchTable.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['DynamoDb.ResourceNotFoundException'], Next: 'DrillOutcome' }),
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ScratchTableNotDeleted' }),
    ]);
    expect(states.ScratchTableNotDeleted.Type).toBe('Fail');
  });

  it('logs and traces its executions', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL' }),
    });
  });
});

describe('recovery drill schedule and alarm', () => {
  it('starts the state machine weekly', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(15 5 ? * SUN *)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { Ref: logicalIdOf(drill.stateMachine) }, RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
  });

  it('alarms on failed, timed-out and aborted executions', () => {
    const alarm = json.Resources[logicalIdOf(drill.alarm)].Properties!;
    const metrics = (alarm.Metrics as { MetricStat?: { Metric: { MetricName: string; Dimensions: unknown[] } } }[]).flatMap((m) =>
      m.MetricStat ? [m.MetricStat.Metric] : [],
    );
    expect(metrics.map((metric) => metric.MetricName).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    for (const metric of metrics) expect(metric.Dimensions).toEqual([{ Name: 'StateMachineArn', Value: { Ref: logicalIdOf(drill.stateMachine) } }]);
    expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });
});

describe('recovery drill permissions (simulated)', () => {
  const machine = policiesOf(logicalIdOf(drill.stateMachine.role));
  const allowed = async (policies: PolicyDocument[], action: string, resource: string, session: Omit<DataRequest, 'action' | 'resource'> = {}) =>
    (await simulateDataRequest(policies, { action, resource, ...session })).allowed;

  it('lets the state machine restore the table, but manage and write scratch tables only', async () => {
    expect(await allowed(machine, 'dynamodb:RestoreTableToPointInTime', tableArn)).toBe(true);
    for (const action of ['dynamodb:DescribeTable', 'dynamodb:DeleteTable', 'dynamodb:PutItem', 'dynamodb:BatchWriteItem', 'dynamodb:Scan']) {
      expect({ action, scratch: await allowed(machine, action, scratchArn) }).toEqual({ action, scratch: true });
      expect({ action, live: await allowed(machine, action, tableArn) }).toEqual({ action, live: false });
    }
    const other = `arn:aws:dynamodb:${region}:${TEST_ACCOUNT_ID}:table/another-table`;
    for (const action of ['dynamodb:RestoreTableToPointInTime', 'dynamodb:DeleteTable', 'dynamodb:PutItem'])
      expect(await allowed(machine, action, other)).toBe(false);
  });

  it('lets the state machine invoke the drill function and no other', async () => {
    const fnArn = concreteArn(json, logicalIdOf(stack.functions['recovery-drill'].function), env);
    const other = concreteArn(json, logicalIdOf(stack.functions['retention-sweep'].function), env);
    expect(await allowed(machine, 'lambda:InvokeFunction', fnArn)).toBe(true);
    expect(await allowed(machine, 'lambda:InvokeFunction', other)).toBe(false);
  });

  it("lets the drill's scratch role read one tenant's keys of scratch tables, and nothing of the live table", async () => {
    // Prepare
    const scratch = policiesOf(logicalIdOf(drill.scratchRole.role));
    const acme = { principalTags: { [TENANT_SESSION_TAG]: 'acme' } };

    // Assess
    for (const action of READ_ACTIONS) {
      expect(await allowed(scratch, action, scratchArn, { ...acme, leadingKeys: ['T#acme#AGENT'] })).toBe(true);
      expect(await allowed(scratch, action, scratchArn, { ...acme, leadingKeys: ['T#globex#AGENT'] })).toBe(false);
      expect(await allowed(scratch, action, tableArn, { ...acme, leadingKeys: ['T#acme#AGENT'] })).toBe(false);
    }
    expect(await allowed(scratch, 'dynamodb:PutItem', scratchArn, { ...acme, leadingKeys: ['T#acme#AGENT'] })).toBe(false);
    expect(await allowed(scratch, 'dynamodb:Scan', scratchArn, acme)).toBe(false);
  });

  it('gives the drill function the scratch role, assumed with a tenant session tag', () => {
    const fn = json.Resources[logicalIdOf(stack.functions['recovery-drill'].function)].Properties!;
    expect(fn.Environment.Variables.DRILL_SCRATCH_ROLE_ARN).toEqual({ 'Fn::GetAtt': [logicalIdOf(drill.scratchRole.role), 'Arn'] });
    expect(fn.Timeout).toBe(900);
  });
});

describe('recovery drill of a table under a customer managed key', () => {
  it('restores the copy under the same key, and lets the state machine and the scratch role use it', () => {
    // Prepare
    const app = new App();
    const keyed = new Stack(app, 'Keyed', { env: { region } });
    const key = new kms.Key(keyed, 'Key');
    const table = new PlatformTable(keyed, 'Table', { tableName: 'keyed', encryption: dynamodb.TableEncryptionV2.customerManagedKey(key) });
    const fn = new PlatformFunction(keyed, 'Drill', { entry: 'unused.ts', description: 'drill', code: STUB_CODE });

    // Act
    const keyedDrill = new RecoveryDrill(keyed, 'RecoveryDrill', { table, tableName: 'keyed', drill: fn });
    const keyedJson = Template.fromStack(keyed).toJSON();

    // Assess
    const restore = JSON.parse(renderIntrinsics(keyedJson.Resources[logicalIdOf(keyedDrill.stateMachine)].Properties.DefinitionString, region)).States
      .RestoreToScratchTable;
    expect(restore.Arguments.SSESpecificationOverride).toEqual({ Enabled: true, SSEType: 'KMS', KMSMasterKeyId: `${logicalIdOf(key)}.Arn` });
    const statementsOf = (roleId: string) =>
      Object.values(keyedJson.Resources as Record<string, { Type: string; Properties: { Roles: { Ref: string }[]; PolicyDocument: { Statement: unknown[] } } }>)
        .filter((resource) => resource.Type === 'AWS::IAM::Policy' && resource.Properties.Roles.some((role) => role.Ref === roleId))
        .flatMap((resource) => resource.Properties.PolicyDocument.Statement);
    expect(statementsOf(logicalIdOf(keyedDrill.stateMachine.role))).toContainEqual(
      expect.objectContaining({ Action: expect.arrayContaining(['kms:CreateGrant', 'kms:Decrypt', 'kms:GenerateDataKey*']) }),
    );
    expect(statementsOf(logicalIdOf(keyedDrill.scratchRole.role))).toContainEqual(expect.objectContaining({ Action: 'kms:Decrypt' }));
    expect(sseOf(dynamodb.TableEncryptionV2.awsManagedKey())).toEqual({ Enabled: true, SSEType: 'KMS' });
  });
});
