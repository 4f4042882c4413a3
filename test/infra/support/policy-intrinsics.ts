import { resolveIntrinsics, TEST_ACCOUNT_ID, TEST_PARTITION, type CfnTemplate, type TemplateEnvironment } from '../../support/iam-simulation';

/** The stream label the simulation gives every table's stream (a real one is a timestamp). */
export const TEST_STREAM_LABEL = '2026-01-01T00:00:00.000';

/**
 * resolveIntrinsics, knowing also the ARNs the region's stream consumer is granted: a table's `StreamArn` and an SQS
 * queue's `Arn`, named after their logical ids in the test account and the stack's region.
 */
export function resolvePolicyIntrinsics<T>(value: T, template: CfnTemplate, env: TemplateEnvironment): T {
  const account = env.accountId ?? TEST_ACCOUNT_ID;
  const concrete = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(concrete);
    if (v === null || typeof v !== 'object') return v;
    const getAtt = (v as Record<string, unknown>)['Fn::GetAtt'];
    if (Array.isArray(getAtt) && Object.keys(v).length === 1) {
      const [logicalId, attribute] = getAtt as [string, string];
      const type = template.Resources[logicalId]?.Type;
      if (attribute === 'StreamArn' && (type === 'AWS::DynamoDB::GlobalTable' || type === 'AWS::DynamoDB::Table')) {
        return `arn:${TEST_PARTITION}:dynamodb:${env.region}:${account}:table/${logicalId}/stream/${TEST_STREAM_LABEL}`;
      }
      if (attribute === 'Arn' && type === 'AWS::SQS::Queue') return `arn:${TEST_PARTITION}:sqs:${env.region}:${account}:${logicalId}`;
    }
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, inner]) => [k, concrete(inner)]));
  };
  return resolveIntrinsics(concrete(value) as T, template, env);
}
