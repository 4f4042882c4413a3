/**
 * The user-pool attribute that pins a user to a tenant: created by the tenant stack (lib/) and the local
 * provisioner, set when a user is enrolled, copied into tokens by the pre-token trigger and checked by the authorizer.
 */
export const TENANT_ID_ATTRIBUTE_NAME = 'tenantId';

/** The attribute as Cognito names it in user attributes and token claims. */
export const TENANT_ID_CLAIM = `custom:${TENANT_ID_ATTRIBUTE_NAME}` as const;
