import * as z from '../core/zod';

/** The variables of the credential store (tenants' own model-provider credentials). */
export const credentialStoreEnvShape = {
  /** Where tenants' model credentials are kept: `secrets-manager` (AWS) or `file` (the local platform). */
  CREDENTIAL_STORE: z._default(z.enum(['secrets-manager', 'file']), 'secrets-manager'),
  /** Folder of the encrypted file store (one folder per region in it); required with CREDENTIAL_STORE=file. */
  CREDENTIAL_STORE_DIR: z.optional(z.string().check(z.minLength(1))),
  /** The platform's prefix of secret names: a tenant's are under `<prefix>/tenants/<tenantId>/model-credentials/`. */
  CREDENTIAL_SECRET_PREFIX: z._default(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'CREDENTIAL_SECRET_PREFIX must be 1-64 letters, digits, _ or -')),
    'agent-platform',
  ),
  /** The KMS key (id or ARN) new secrets are encrypted with; required with CREDENTIAL_STORE=secrets-manager to register one. */
  CREDENTIAL_KMS_KEY_ID: z.optional(z.string().check(z.minLength(1))),
};
