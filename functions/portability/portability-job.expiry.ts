import type { ExpiryRule } from '../data/data-kind';
import { sortKey, tenantKey } from '../data/keys';

const JOB = 'JOB';

/** The partition of a tenant's export and import jobs. */
export const jobPartition = (tenantId: string) => tenantKey(tenantId, JOB);

/** The key of one job, by its time-ordered id. */
export const jobKey = (tenantId: string, jobId: string) => ({ pk: jobPartition(tenantId), sk: sortKey(JOB, jobId) });

/** Export and import jobs expire by the operational class's period (the retention sweep deletes those past it). */
export const portabilityJobExpiry: ExpiryRule = {
  name: 'portability-job',
  retention: 'operational',
  expiry: 'sweep',
  owns: (key, tenantId) => key.pk === jobPartition(tenantId),
};
