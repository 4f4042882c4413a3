import { childPartitions, fixedPartitions, writeBackAsIs, type DataKind } from '../data/data-kind';
import * as keys from '../data/table-keys';
import { registerNestedPartition } from '../data/operational.kind';
import { quotaCounters } from '../quotas/quota.counters';
import { runExpiry } from './run.expiry';
import { runSchema } from './run.schema';
import { workflowSchema } from './workflow.schema';

/** Workflows: one partition per tenant, listed newest first on the byCollection index. */
export const workflowKind: DataKind = {
  name: 'workflow',
  retention: 'content',
  schema: workflowSchema,
  accessPatterns: [{ name: 'get by workflow id' }, { name: 'list newest first', index: 'byCollection' }],
  partitions: fixedPartitions(keys.workflowPartition),
  owns: (key, tenantId) => key.pk === keys.workflowPartition(tenantId),
  writeBack: writeBackAsIs,
  crossTenant: {
    quota: (tenantId) => ({ counter: quotaCounters.workflows(tenantId), delta: 1 }),
    alongside: (tenantId, item) => [registerNestedPartition(tenantId, 'WORKFLOW', String(item.workflowId))],
  },
};

/** Runs, a partition per workflow, kept after their workflow is deleted (their history and usage stay readable). */
export const runKind: DataKind = {
  ...runExpiry,
  schema: runSchema,
  accessPatterns: [
    { name: 'get by workflow and run id' },
    { name: "list a workflow's runs newest first" },
    { name: 'open runs oldest first (the run sweeper)', index: 'byCollection' },
  ],
  partitions: childPartitions('WORKFLOW', keys.workflowPartition, keys.runPartition),
  writeBack: writeBackAsIs,
  crossTenant: 'omit',
};
