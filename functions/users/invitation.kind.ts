import { fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { storedInvitationSchema } from './user.schema';

/** Invitations, pending, accepted or revoked, until they expire. */
export const invitationKind: DataKind = {
  name: 'invitation',
  retention: 'operational',
  schema: storedInvitationSchema,
  accessPatterns: [{ name: 'get by invitation id' }, { name: 'list' }],
  partitions: fixedPartitions(keys.invitationPartition),
  owns: (key, tenantId) => key.pk === keys.invitationPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
