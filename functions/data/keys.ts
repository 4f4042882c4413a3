import * as z from 'zod';

/**
 * All DynamoDB keys are built here. Tenant items live under `T#<tenantId>#…`, platform items under `P#…`.
 * Segments never contain the separator, so a key parses back into exactly the segments it was built from and
 * no tenant's prefix is a prefix of another tenant's keys (`T#acme#` is not a prefix of `T#acme2#…`).
 */
export const SEPARATOR = '#';
export const TENANT_MARK = 'T';
export const PLATFORM_MARK = 'P';

/** Tenant ids: lower-case letters, digits and dashes, 3–40 characters, starting with a letter or digit. */
export const tenantIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{2,39}$/, 'tenant id must be 3-40 lower-case letters, digits or dashes');

export type TenantId = z.infer<typeof tenantIdSchema>;

/** One key segment: any non-empty string without the separator. */
export const keySegmentSchema = z
  .string()
  .min(1, 'key segment must not be empty')
  .refine((s) => !s.includes(SEPARATOR), 'key segment must not contain #');

export class InvalidKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidKeyError';
  }
}

function checkSegment(segment: string): string {
  if (segment.length === 0 || segment.includes(SEPARATOR)) {
    throw new InvalidKeyError(`invalid key segment ${JSON.stringify(segment)}`);
  }
  return segment;
}

function checkTenantId(tenantId: string): string {
  if (!tenantIdSchema.safeParse(tenantId).success) {
    throw new InvalidKeyError(`invalid tenant id ${JSON.stringify(tenantId)}`);
  }
  return tenantId;
}

/** The prefix every partition key of the tenant starts with: `T#<tenantId>#`. */
export function tenantPrefix(tenantId: string): string {
  return `${TENANT_MARK}${SEPARATOR}${checkTenantId(tenantId)}${SEPARATOR}`;
}

/** A tenant key: `T#<tenantId>#<segment>#<segment>…` (at least one segment). */
export function tenantKey(tenantId: string, ...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a tenant key needs at least one segment');
  return tenantPrefix(tenantId) + segments.map(checkSegment).join(SEPARATOR);
}

/** A platform key: `P#<segment>#…` (at least one segment). Never holds tenant data, only routing metadata. */
export function platformKey(...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a platform key needs at least one segment');
  return `${PLATFORM_MARK}${SEPARATOR}` + segments.map(checkSegment).join(SEPARATOR);
}

/** A sort key from segments: `<segment>#<segment>…`. */
export function sortKey(...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a sort key needs at least one segment');
  return segments.map(checkSegment).join(SEPARATOR);
}

export type ParsedKey =
  | { kind: 'tenant'; tenantId: string; segments: string[] }
  | { kind: 'platform'; segments: string[] };

/** Parses a partition key built by this module; throws on anything else. */
export function parseKey(key: string): ParsedKey {
  const [mark, ...rest] = key.split(SEPARATOR);
  if (mark === TENANT_MARK && rest.length >= 2) {
    const [tenantId, ...segments] = rest;
    checkTenantId(tenantId);
    segments.forEach(checkSegment);
    return { kind: 'tenant', tenantId, segments };
  }
  if (mark === PLATFORM_MARK && rest.length >= 1) {
    rest.forEach(checkSegment);
    return { kind: 'platform', segments: rest };
  }
  throw new InvalidKeyError(`not a platform or tenant key: ${JSON.stringify(key)}`);
}

/** True when the partition key value belongs to the tenant: the same rule as the IAM LeadingKeys condition. */
export function belongsToTenant(partitionKeyValue: string, tenantId: string): boolean {
  return partitionKeyValue.startsWith(tenantPrefix(tenantId));
}

/** True when the partition key value is a platform key. */
export function isPlatformKey(partitionKeyValue: string): boolean {
  return partitionKeyValue.startsWith(`${PLATFORM_MARK}${SEPARATOR}`);
}

/** The keys of the items the platform itself owns. */
export const keys = {
  /** Directory entry of a tenant: routing metadata (slug, home region, status, pool), in every region. */
  tenantDirectory: (tenantId: string) => ({ pk: platformKey('TENANT', checkTenantId(tenantId)), sk: 'DIRECTORY' }),
  /** Slug reservation: one item per slug, written conditionally so a slug has one owner. */
  slug: (slug: string) => ({ pk: platformKey('SLUG', slug), sk: 'SLUG' }),
  /** Email-domain mapping: one partition per domain, one item per tenant using it. */
  emailDomain: (domain: string, tenantId: string) => ({ pk: platformKey('DOMAIN', domain), sk: checkTenantId(tenantId) }),
  emailDomainPartition: (domain: string) => platformKey('DOMAIN', domain),
  /** Issuer registry: which user pool issuer belongs to which tenant (or to the platform admins). */
  issuer: (issuer: string) => ({ pk: platformKey('ISSUER', encodeURIComponent(issuer)), sk: 'ISSUER' }),
  /** Collection of all tenants (directory listing) on the byCollection index. */
  tenantsCollection: () => platformKey('TENANTS'),
  /** The tenant's own record (name, plan, branding, settings): tenant data, in its home region only. */
  tenantProfile: (tenantId: string) => ({ pk: tenantKey(tenantId, 'TENANT'), sk: 'PROFILE' }),

  // -- tenant lifecycle, users, invitations, API keys
  /** Members of a tenant (its users as the platform knows them; credentials live in the tenant's pool). */
  userPartition: (tenantId: string) => tenantKey(tenantId, 'USER'),
  user: (tenantId: string, userId: string) => ({ pk: tenantKey(tenantId, 'USER'), sk: sortKey(userId) }),
  /** One item per member email: a person is a member of a tenant at most once. */
  userEmail: (tenantId: string, email: string) => ({ pk: tenantKey(tenantId, 'USER', 'EMAIL'), sk: sortKey(encodeURIComponent(email.toLowerCase())) }),
  /** Members per role (`tenant-admin`), kept in the member's transaction so the last admin cannot be removed. */
  userRoleCounter: (tenantId: string, role: string) => ({ pk: tenantKey(tenantId, 'USER', 'COUNT'), sk: sortKey(role) }),
  /** Invitations of a tenant. */
  invitationPartition: (tenantId: string) => tenantKey(tenantId, 'INVITATION'),
  invitation: (tenantId: string, invitationId: string) => ({ pk: tenantKey(tenantId, 'INVITATION'), sk: sortKey(invitationId) }),
  /** API keys of a tenant, read by the authorizer by the key id the key itself carries. */
  apiKeyPartition: (tenantId: string) => tenantKey(tenantId, 'APIKEY'),
  apiKey: (tenantId: string, keyId: string) => ({ pk: tenantKey(tenantId, 'APIKEY'), sk: sortKey(keyId) }),
} as const;
