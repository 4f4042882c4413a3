import type { Context } from 'aws-lambda';
import { FUNCTION_MEMORY_MB } from '../functions/api/group-needs';

/** The account id the local platform's ARNs name. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/**
 * The Lambda context the local platform hands a function it invokes: its name and ARN, the request id, the memory
 * the region stack gives it (which the usage meter prices its time with) and the time left before its timeout.
 */
export function lambdaContext(functionName: string, region: string, requestId: string, deadline: number): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
    memoryLimitInMB: String(FUNCTION_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
