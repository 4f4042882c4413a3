import * as z from 'zod';
import { planIdSchema } from '../billing/plan.catalogue';
import { tenantIdSchema } from '../data/keys';
import { TENANT_ROLES } from '../core/roles';
import { brandingSchema, regionSchema, slugSchema } from './tenant.schema';

/**
 * The tenant manifest, `tenants/<slug>.json`: everything the provisioning pipeline needs to build a tenant. The
 * one schema read by the CDK app (a TenantStack per manifest), the local provisioner and the CLI.
 */

/** Email domains are compared lower-case. */
export const emailDomainSchema = z
  .string()
  .toLowerCase()
  .regex(/^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be an email domain such as example.com');

/**
 * Cognito identity provider names: 1-32 characters of its allowed set. They appear in the hosted UI and in
 * `identity_provider` hints, so they stay short and readable.
 */
export const identityProviderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'must be 1-32 letters, digits, dashes or underscores, starting with a letter or digit');

/** Cognito attribute mapping: user pool attribute → IdP attribute (claim or SAML attribute name). */
const attributeMappingSchema = z.record(
  z
    .string()
    .regex(/^(email|name|given_name|family_name|preferred_username|phone_number|custom:[A-Za-z0-9_]{1,20})$/, 'must be a standard or custom: pool attribute'),
  z.string().min(1).max(2048),
);

const httpsUrl = z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048);

/**
 * How users of the tenant's identity providers get their role when they first sign in (they become members just in
 * time): the pool attribute their IdP groups are mapped into (a provider's `attributeMapping` maps an IdP claim or
 * SAML attribute to it), each IdP group's role, and the role of a user in none of them. A user in several mapped
 * groups gets the first of their roles in the order tenant-admin, member, viewer, auditor.
 */
export const ssoRoleMappingSchema = z
  .object({
    /** @default no groups are read: every SSO user gets `default` */
    attribute: z
      .string()
      .regex(/^custom:[A-Za-z0-9_]{1,20}$/, 'must be a custom pool attribute, e.g. custom:groups')
      .optional(),
    groups: z.record(z.string().min(1).max(256), z.enum(TENANT_ROLES)).default({}),
    default: z.enum(TENANT_ROLES).default('member'),
  })
  .strict();
export type SsoRoleMapping = z.infer<typeof ssoRoleMappingSchema>;
export const DEFAULT_SSO_ROLE_MAPPING: SsoRoleMapping = { groups: {}, default: 'member' };

/** A SAML 2.0 IdP: its metadata comes from a URL (fetched by Cognito) or a file beside the manifest. */
export const samlProviderSchema = z
  .object({
    name: identityProviderNameSchema,
    /** HTTPS URL of the IdP's metadata document. */
    metadataUrl: httpsUrl.optional(),
    /** Metadata XML file, relative to the manifest's folder (e.g. `acme.saml.xml`). */
    metadataFile: z
      .string()
      .max(255)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.xml$/, 'must be an .xml file name beside the manifest (no folders)')
      .optional(),
    /** Email domains that route to this IdP in the hosted UI (IdP identifiers). @default none */
    identifiers: z.array(emailDomainSchema).max(50).default([]),
    /** @default email from the NameID-independent `email` attribute */
    attributeMapping: attributeMappingSchema.default({ email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' }),
  })
  .strict()
  .refine((provider) => (provider.metadataUrl === undefined) !== (provider.metadataFile === undefined), {
    message: 'give exactly one of metadataUrl or metadataFile',
    path: ['metadataUrl'],
  });
export type SamlProvider = z.infer<typeof samlProviderSchema>;

/**
 * Where an OIDC client secret is kept: the name or ARN of a Secrets Manager secret. The manifest never holds the
 * secret itself; it lives in version control.
 */
export const secretReferenceSchema = z
  .string()
  .max(2048)
  .regex(
    /^(arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}|[A-Za-z0-9/_+=.@-]{1,512})$/,
    'must be a Secrets Manager secret name or ARN',
  );

/** An OpenID Connect IdP. */
export const oidcProviderSchema = z
  .object({
    name: identityProviderNameSchema,
    /** The IdP's issuer URL (its discovery document is `<issuer>/.well-known/openid-configuration`). */
    issuer: httpsUrl,
    clientId: z.string().min(1).max(255),
    /** Secrets Manager secret holding the client secret. */
    clientSecretRef: secretReferenceSchema,
    /** @default openid, email, profile */
    scopes: z
      .array(
        z
          .string()
          .max(128)
          .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, 'must be a scope token'),
      )
      .min(1)
      .max(50)
      .default(['openid', 'email', 'profile']),
    /** @default none */
    identifiers: z.array(emailDomainSchema).max(50).default([]),
    /** @default email ← email */
    attributeMapping: attributeMappingSchema.default({ email: 'email' }),
  })
  .strict();
export type OidcProvider = z.infer<typeof oidcProviderSchema>;

export const MFA_POLICIES = ['OFF', 'OPTIONAL', 'REQUIRED'] as const;

/** The console's OAuth redirect URLs for the tenant's app client (authorization code + PKCE). */
const consoleSchema = z
  .object({
    callbackUrls: z
      .array(z.url({ protocol: /^https?$/ }))
      .min(1)
      .max(100),
    logoutUrls: z
      .array(z.url({ protocol: /^https?$/ }))
      .max(100)
      .default([]),
  })
  .strict();

export const tenantManifestSchema = z
  .object({
    /** The tenant id: the `T#<id>#` key prefix of all its data; never changes. */
    id: tenantIdSchema,
    /** Addressing name (subdomain, discovery, the manifest's file name); released on offboarding. */
    slug: slugSchema,
    name: z.string().min(1).max(200),
    plan: planIdSchema,
    /** The residency region: the tenant's pool and data live there only. */
    homeRegion: regionSchema,
    /** Email domains whose users discover this tenant. @default none */
    emailDomains: z.array(emailDomainSchema).max(50).default([]),
    /** The first tenant admins: each is invited as tenant-admin once the tenant is ACTIVE. */
    admins: z.array(z.email().max(320).toLowerCase()).min(1, 'a tenant needs at least one admin').max(20),
    /** Company identity providers federated into the tenant's pool. @default none */
    sso: z
      .object({
        saml: z.array(samlProviderSchema).max(10).default([]),
        oidc: z.array(oidcProviderSchema).max(10).default([]),
        /** @default DEFAULT_SSO_ROLE_MAPPING: every SSO user joins as member */
        roleMapping: ssoRoleMappingSchema.optional(),
      })
      .strict()
      .default({ saml: [], oidc: [] }),
    /** The pool's MFA policy. @default OPTIONAL (TOTP) */
    mfa: z.enum(MFA_POLICIES).default('OPTIONAL'),
    /** @default none (the platform's look) */
    branding: brandingSchema.default({}),
    /** @default the platform console's URLs (CDK config) */
    console: consoleSchema.optional(),
    /** Free-form tenant settings copied into the tenant record. @default none */
    settings: z.record(z.string().max(64), z.union([z.string().max(1024), z.number(), z.boolean()])).default({}),
  })
  .strict()
  .superRefine((manifest, ctx) => {
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
  });

/** A manifest as written (defaults not yet applied). */
export type TenantManifestInput = z.input<typeof tenantManifestSchema>;
/** A validated manifest, defaults applied. */
export type TenantManifest = z.output<typeof tenantManifestSchema>;

/** The file name of a tenant's manifest. */
export function manifestFileName(slug: string): string {
  return `${slug}.json`;
}
