import * as z from '../core/zod';
import { EMAIL_DOMAIN, emailAddressSchema } from '../core/email';
import { planIdSchema } from '../billing/plan-id';
import { tenantIdSchema } from '../data/keys';
import { ssoRoleMappingSchema } from './sso-role-mapping.schema';
import { tenantSettingsSchema } from './tenant-settings.schema';
import { brandingSchema, regionSchema, slugSchema } from './tenant.schema';

/**
 * The tenant manifest, `tenants/<slug>.json`: everything the provisioning pipeline needs to build a tenant. The
 * one schema read by the CDK app (a TenantStack per manifest), the local provisioner and the CLI.
 */

/** Email domains are compared lower-case. */
export const emailDomainSchema = z.string().check(z.toLowerCase(), z.regex(EMAIL_DOMAIN, 'must be an email domain such as example.com'));

/**
 * Cognito identity provider names: 1-32 characters of its allowed set. They appear in the hosted UI and in
 * `identity_provider` hints, so they stay short and readable.
 */
export const identityProviderNameSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, dashes or underscores, starting with a letter or digit'));

/** Cognito attribute mapping: user pool attribute → IdP attribute (claim or SAML attribute name). */
const attributeMappingSchema = z.record(
  z
    .string()
    .check(
      z.regex(
        /^(email|name|given_name|family_name|preferred_username|phone_number|custom:[A-Za-z0-9_]{1,20})$/,
        'must be a standard or custom: pool attribute',
      ),
    ),
  z.string().check(z.minLength(1), z.maxLength(2048)),
);

const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain }).check(z.maxLength(2048));

export { DEFAULT_SSO_ROLE_MAPPING, ssoRoleMappingSchema, type SsoRoleMapping } from './sso-role-mapping.schema';

/** A SAML 2.0 IdP: its metadata comes from a URL (fetched by Cognito) or a file beside the manifest. */
export const samlProviderSchema = z
  .strictObject({
    name: identityProviderNameSchema,
    /** HTTPS URL of the IdP's metadata document. */
    metadataUrl: z.optional(httpsUrl),
    /** Metadata XML file, relative to the manifest's folder (e.g. `acme.saml.xml`). */
    metadataFile: z.optional(
      z.string().check(z.maxLength(255), z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/, 'must be an .xml file name beside the manifest (no folders)')),
    ),
    /** Email domains that route to this IdP in the hosted UI (IdP identifiers). @default none */
    identifiers: z._default(z.array(emailDomainSchema).check(z.maxLength(50)), []),
    /** @default email from the NameID-independent `email` attribute */
    attributeMapping: z._default(attributeMappingSchema, { email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' }),
  })
  .check(
    z.refine((provider) => (provider.metadataUrl === undefined) !== (provider.metadataFile === undefined), {
      message: 'give exactly one of metadataUrl or metadataFile',
      path: ['metadataUrl'],
    }),
  );
export type SamlProvider = z.infer<typeof samlProviderSchema>;

/**
 * Where an OIDC client secret is kept: the name or ARN of a Secrets Manager secret. The manifest never holds the
 * secret itself; it lives in version control.
 */
export const secretReferenceSchema = z
  .string()
  .check(
    z.maxLength(2048),
    z.regex(
      /^(arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}|[A-Za-z0-9/_+=.@-]{1,512})$/,
      'must be a Secrets Manager secret name or ARN',
    ),
  );

/** An OpenID Connect IdP. */
export const oidcProviderSchema = z.strictObject({
  name: identityProviderNameSchema,
  /** The IdP's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
  issuer: httpsUrl,
  clientId: z.string().check(z.minLength(1), z.maxLength(255)),
  /** Secrets Manager secret holding the client secret. */
  clientSecretRef: secretReferenceSchema,
  /** @default openid, email, profile */
  scopes: z._default(
    z.array(z.string().check(z.maxLength(128), z.regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token'))).check(z.minLength(1), z.maxLength(50)),
    ['openid', 'email', 'profile'],
  ),
  /** @default none */
  identifiers: z._default(z.array(emailDomainSchema).check(z.maxLength(50)), []),
  /** @default email ← email */
  attributeMapping: z._default(attributeMappingSchema, { email: 'email' }),
});
export type OidcProvider = z.infer<typeof oidcProviderSchema>;

export const MFA_POLICIES = ['OFF', 'OPTIONAL', 'REQUIRED'] as const;

/** The console's OAuth redirect URLs for the tenant's app client (authorization code + PKCE). */
const consoleSchema = z.strictObject({
  callbackUrls: z.array(z.url({ protocol: /^https?$/ })).check(z.minLength(1), z.maxLength(100)),
  logoutUrls: z._default(z.array(z.url({ protocol: /^https?$/ })).check(z.maxLength(100)), []),
});

export const tenantManifestSchema = z
  .strictObject({
    /** The tenant id: the `T#<id>#` key prefix of all its data; never changes. */
    id: tenantIdSchema,
    /** Addressing name (subdomain, discovery, the manifest's file name); released on offboarding. */
    slug: slugSchema,
    name: z.string().check(z.minLength(1), z.maxLength(200)),
    plan: planIdSchema,
    /** The residency region: the tenant's pool and data live there only. */
    homeRegion: regionSchema,
    /** Email domains whose users discover this tenant. @default none */
    emailDomains: z._default(z.array(emailDomainSchema).check(z.maxLength(50)), []),
    /** The first tenant admins: each is invited as tenant-admin once the tenant is ACTIVE. */
    admins: z.array(emailAddressSchema().check(z.toLowerCase())).check(z.minLength(1, 'a tenant needs at least one admin'), z.maxLength(20)),
    /** Company identity providers federated into the tenant's pool. @default none */
    sso: z._default(
      z.strictObject({
        saml: z._default(z.array(samlProviderSchema).check(z.maxLength(10)), []),
        oidc: z._default(z.array(oidcProviderSchema).check(z.maxLength(10)), []),
        /** @default DEFAULT_SSO_ROLE_MAPPING: every SSO user joins as member */
        roleMapping: z.optional(ssoRoleMappingSchema),
      }),
      { saml: [], oidc: [] },
    ),
    /** The pool's MFA policy. @default OPTIONAL (TOTP) */
    mfa: z._default(z.enum(MFA_POLICIES), 'OPTIONAL'),
    /** @default none (the platform's look) */
    branding: z._default(brandingSchema, {}),
    /** @default the platform console's URLs (CDK config) */
    console: z.optional(consoleSchema),
    /** Free-form tenant settings copied into the tenant record. @default none */
    settings: z._default(tenantSettingsSchema, {}),
  })
  .check(
    z.superRefine((manifest, ctx) => {
      const names = [...manifest.sso.saml, ...manifest.sso.oidc].map((provider) => provider.name.toLowerCase());
      names.forEach((name, index) => {
        if (names.indexOf(name) !== index) {
          const saml = index < manifest.sso.saml.length;
          ctx.addIssue({
            code: 'custom',
            message: `identity provider name ${name} is used twice`,
            path: ['sso', saml ? 'saml' : 'oidc', saml ? index : index - manifest.sso.saml.length, 'name'],
          });
        }
      });
      if (new Set(manifest.admins).size !== manifest.admins.length) {
        ctx.addIssue({ code: 'custom', message: 'an admin is listed twice', path: ['admins'] });
      }
    }),
  );

/** A manifest as written (defaults not yet applied). */
export type TenantManifestInput = z.input<typeof tenantManifestSchema>;
/** A validated manifest, defaults applied. */
export type TenantManifest = z.output<typeof tenantManifestSchema>;

/** The file name of a tenant's manifest. */
export function manifestFileName(slug: string): string {
  return `${slug}.json`;
}
