import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';

/** What a tenant may register: a role in its AWS account, or a provider API key. */
export const MODEL_CREDENTIAL_KINDS = ['aws-role', 'api-key'] as const;

const roleArnSchema = z.string().check(z.maxLength(2048), z.regex(/^arn:aws(-[a-z-]+)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'an IAM role ARN'));
/** STS's own rule for external ids. */
const externalIdSchema = z.string().check(z.regex(/^[\w+=,.@:/-]{2,1224}$/, '2-1224 letters, digits or +=,.@:/-_'));
const apiKeySchema = z
  .string()
  .check(z.minLength(20, 'an API key of at least 20 characters'), z.maxLength(4096), z.regex(/^[\x21-\x7e]+$/, 'printable characters without spaces'));

/** The body of `POST /model-credentials` and `PUT /model-credentials/{id}` (a rotation gives the same kind). */
export const credentialBodySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('aws-role'),
    /** A role in the tenant's account whose trust policy lets the platform assume it with `externalId`. */
    roleArn: roleArnSchema,
    externalId: externalIdSchema,
    label: z.optional(z.string().check(z.maxLength(100))),
  }),
  z.strictObject({
    kind: z.literal('api-key'),
    provider: z.literal('bedrock'),
    apiKey: apiKeySchema,
    label: z.optional(z.string().check(z.maxLength(100))),
  }),
]);
export type CredentialBody = z.infer<typeof credentialBodySchema>;

/** A tenant credential as stored beside its secret and as the API shows it: never the secret itself. */
export const modelCredentialSchema = z.object({
  credentialId: z.string().check(z.maxLength(64)),
  kind: z.enum(MODEL_CREDENTIAL_KINDS),
  label: z.optional(z.string().check(z.maxLength(100))),
  /** The last four characters of the secret part (API key or external id), to tell credentials apart. */
  last4: z.string().check(z.maxLength(4)),
  /** Grows with every rotation; the ETag. */
  version: z.int().check(z.gte(1)),
  createdAt: z.iso.datetime(),
  rotatedAt: z.optional(z.iso.datetime()),
});
export type ModelCredential = z.infer<typeof modelCredentialSchema>;

export const credentialListSchema = z.object({ items: z.array(modelCredentialSchema).check(z.maxLength(20)) });

export const credentialIdSchema = z.string().check(z.regex(/^[0-9A-Za-z]{1,64}$/, 'a credential id'));
export const credentialsPathSchema = z.strictObject({ tenantId: tenantIdSchema });
export const credentialPathSchema = z.strictObject({ tenantId: tenantIdSchema, credentialId: credentialIdSchema });

/** The secret part of a body, whose last four characters are shown. */
export function secretPartOf(body: CredentialBody): string {
  return body.kind === 'api-key' ? body.apiKey : body.externalId;
}

/** The stored secret of a credential, as the provider adapters use it. */
export const credentialSecretSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('aws-role'), roleArn: roleArnSchema, externalId: externalIdSchema }),
  z.strictObject({ kind: z.literal('api-key'), provider: z.literal('bedrock'), apiKey: apiKeySchema }),
]);
