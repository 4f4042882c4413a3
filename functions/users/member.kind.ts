import * as z from '../core/zod';
import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { memberLinkSchema, memberSchema, tenantRoleSchema } from './member.schema';

/**
 * A member and the items kept in its transactions: its email link (a person joins once), its pool-user link (the
 * immutable `sub` names the member whatever its email becomes) and the count of members per role.
 */
export const memberKind: DataKind = {
  name: 'member',
  retention: 'content',
  schema: memberSchema,
  accessPatterns: [{ name: 'get by user id' }, { name: 'list in joining order' }],
  partitions: fixedPartitions(keys.userPartition),
  owns: (key, tenantId) => key.pk === keys.userPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

export const memberEmailLinkKind: DataKind = {
  name: 'member-email-link',
  retention: 'operational',
  schema: memberLinkSchema,
  accessPatterns: [{ name: 'find the member of an email' }],
  partitions: fixedPartitions(keys.userEmailPartition),
  owns: (key, tenantId) => key.pk === keys.userEmailPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

export const memberSubLinkKind: DataKind = {
  name: 'member-sub-link',
  retention: 'operational',
  schema: memberLinkSchema,
  accessPatterns: [{ name: 'find the member of a pool user (sub)' }],
  partitions: fixedPartitions(keys.userSubPartition),
  owns: (key, tenantId) => key.pk === keys.userSubPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

export const memberRoleCounterKind: DataKind = {
  name: 'member-role-counter',
  retention: 'operational',
  schema: z.object({ count: z.int().check(z.nonnegative()) }),
  accessPatterns: [{ name: 'count the holders of a role (last admin)' }],
  partitions: fixedPartitions(keys.userRoleCounterPartition),
  owns: (key, tenantId) => key.pk === keys.userRoleCounterPartition(tenantId) && tenantRoleSchema.safeParse(key.sk).success,
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};

/**
 * The record of a member removed while a legal hold was on: removing a member revokes its access all the same, but
 * its record is a deletion the hold suspends, so it is kept here (with who removed it, and when) instead.
 */
export const formerMemberKind: DataKind = {
  name: 'former-member',
  retention: 'content',
  schema: z.looseObject({ userId: z.string(), removedAt: z.iso.datetime(), removedBy: z.string() }),
  accessPatterns: [{ name: 'get by user id (auditors, after the hold)' }],
  partitions: fixedPartitions(keys.formerMemberPartition),
  owns: (key, tenantId) => key.pk === keys.formerMemberPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
