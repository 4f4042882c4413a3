import * as z from '../core/zod';

const roleArnSchema = z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, 'must be an IAM role ARN'));

/**
 * Environment of the isolation layer, meant to be spread into the runtime config schema (core/config.ts) so it is
 * parsed once at cold start with the rest.
 */
export const isolationEnvShape = {
  /**
   * Where tenant and platform data credentials come from: `sts` (AssumeRole on the data roles, in AWS) or `local`
   * (the one local credential, with the session naming the tenant; DynamoDB Local ignores IAM, the guard is the wall).
   * There is no fallback between them and none to the function's own credentials.
   */
  DATA_CREDENTIALS: z._default(z.enum(['sts', 'local']), 'sts'),
  /** The tenant data role, assumed with the session tag `TenantId=<tenantId>`; set (by CDK) on functions that read tenant data. */
  TENANT_DATA_ROLE_ARN: z.optional(roleArnSchema),
  /** The directory read role (reads of `P#` keys); set (by CDK) on functions that only read the directory and issuers. */
  DIRECTORY_DATA_ROLE_ARN: z.optional(roleArnSchema),
  /** The platform data role (keys under `P#`, but not the issuer registry); set (by CDK) on functions that write them. */
  PLATFORM_DATA_ROLE_ARN: z.optional(roleArnSchema),
  /** The issuer registry role (`P#ISSUER#` keys only); set (by CDK) on the issuer registrar and the job consumer (migrations). */
  ISSUERS_DATA_ROLE_ARN: z.optional(roleArnSchema),
  /**
   * Key of the HMAC that signs list cursors, at least 32 characters. In AWS from a secret; locally generated once per
   * install and passed in.
   */
  CURSOR_SECRET: z.string().check(z.minLength(32, 'CURSOR_SECRET must be at least 32 characters')),
};

export const isolationEnvSchema = z.object(isolationEnvShape);
export type IsolationEnv = z.infer<typeof isolationEnvSchema>;
