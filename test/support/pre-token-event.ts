import type { PreTokenGenerationTriggerEvent } from 'aws-lambda';

/** A Cognito pre-token-generation event (V1: ID token claims) of a sign-in through the hosted UI, as a tenant pool sends it. */
export function preTokenEvent(userAttributes: Record<string, string>, groups: string[]): PreTokenGenerationTriggerEvent {
  return {
    version: '1',
    region: 'eu-central-1',
    userPoolId: 'eu-central-1_pool',
    userName: 'user',
    callerContext: { awsSdkVersion: '3', clientId: 'client' },
    triggerSource: 'TokenGeneration_HostedAuth',
    request: { userAttributes, groupConfiguration: { groupsToOverride: groups, iamRolesToOverride: [] } },
    response: { claimsOverrideDetails: {} },
  } as PreTokenGenerationTriggerEvent;
}
