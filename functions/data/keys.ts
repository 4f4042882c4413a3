import * as z from '../core/zod';
import { tenantIdSchema } from '../core/tenant-id';

/**
 * All DynamoDB keys are built here and in table-keys.ts (one function per item). Tenant items live under
 * `T#<tenantId>#…`, platform items under `P#…`.
 * Segments never contain the separator, so a key parses back into exactly the segments it was built from and
 * no tenant's prefix is a prefix of another tenant's keys (`T#acme#` is not a prefix of `T#acme2#…`).
 */
export const SEPARATOR = '#';
export const TENANT_MARK = 'T';
export const PLATFORM_MARK = 'P';

export { tenantIdSchema, type TenantId } from '../core/tenant-id';

/** One key segment: any non-empty string without the separator. */
export const keySegmentSchema = z.string().check(
  z.minLength(1, 'key segment must not be empty'),
  z.refine((s) => !s.includes(SEPARATOR), 'key segment must not contain #'),
);

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

/** The tenant id, checked: an invalid one throws InvalidKeyError. */
export function checkTenantId(tenantId: string): string {
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
  return `${PLATFORM_MARK}${SEPARATOR}${segments.map(checkSegment).join(SEPARATOR)}`;
}

/** A sort key from segments: `<segment>#<segment>…`. */
export function sortKey(...segments: string[]): string {
  if (segments.length === 0) throw new InvalidKeyError('a sort key needs at least one segment');
  return segments.map(checkSegment).join(SEPARATOR);
}

export type ParsedKey = { kind: 'tenant'; tenantId: string; segments: string[] } | { kind: 'platform'; segments: string[] };

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

/** Segment of the issuer registry's partition keys: `P#ISSUER#<issuer>`. */
export const ISSUER_SEGMENT = 'ISSUER';

/** The prefix of every issuer registry partition key: `P#ISSUER#`. */
export const ISSUER_KEY_PREFIX = `${PLATFORM_MARK}${SEPARATOR}${ISSUER_SEGMENT}${SEPARATOR}`;

/** True when the partition key value is an issuer registration, the items that decide who is platform admin. */
export function isIssuerKey(partitionKeyValue: string): boolean {
  return partitionKeyValue.startsWith(ISSUER_KEY_PREFIX);
}

/** Parents whose children live in partitions of their own. */
export type NestedParent = 'AGENT' | 'WORKFLOW';

/** Hex digits: the shards of idempotency records. */
export const IDEMPOTENCY_SHARDS: readonly string[] = [...'0123456789abcdef'];

/** Audit sequence numbers as fixed-width sort keys, so string order is chain order. */
export function auditSequenceKey(seq: number): string {
  if (!Number.isSafeInteger(seq) || seq < 1) throw new InvalidKeyError(`invalid audit sequence ${seq}`);
  return String(seq).padStart(15, '0');
}
