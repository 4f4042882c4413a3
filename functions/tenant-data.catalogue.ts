import { agentKind } from './agents/agent.kind';
import { budgetLedgerKind, budgetPolicyKind } from './governance/budget.kind';
import { modelCredentialKind, modelPolicyKind } from './governance/model-governance.kind';
import { apiKeyKind } from './api-keys/api-key.kind';
import { auditEntryKind, auditHeadKind } from './audit/audit.kind';
import type { DataKind } from './data/data-kind';
import { idempotencyRecordKind, nestedPartitionKind } from './data/operational.kind';
import { memoryCounterKind, memoryKind } from './memories/memory.kind';
import { tenantHealthHourKind } from './observability/tenant-health.kind';
import { quotaCounterKind } from './quotas/quota.kind';
import { RESOURCE_KINDS } from './resource.catalogue';
import { subscriptionKind } from './billing/subscription.kind';
import { invoiceKind } from './billing/invoice.kind';
import { portabilityJobKind } from './portability/portability-job.kind';
import { complianceSettingsKind, drillRecordKind, sweepRecordKind } from './portability/compliance.kind';
import { tenantManifestKind, tenantRecordKind } from './tenants/tenant.kind';
import { usagePeriodKind } from './usage/usage.kind';
import { invitationKind } from './users/invitation.kind';
import { formerMemberKind, memberEmailLinkKind, memberKind, memberRoleCounterKind, memberSubLinkKind } from './users/member.kind';
import { workflowKind, runKind } from './workflows/workflow.kind';

/**
 * THE list of every kind of tenant data. Purge (and export, import, retention sweeps) iterate over it; a kind
 * missing here is found by the catalogue tests (an item under a tenant's keys that no kind owns).
 *
 * The tenant record comes first: purge deletes in this order, and once the record is gone no audited access to the
 * tenant can be recorded any more (see the tenant gate).
 */
export const TENANT_DATA_CATALOGUE: readonly DataKind[] = [
  tenantRecordKind,
  tenantManifestKind,
  memberKind,
  memberEmailLinkKind,
  memberSubLinkKind,
  memberRoleCounterKind,
  formerMemberKind,
  invitationKind,
  apiKeyKind,
  agentKind,
  memoryKind,
  memoryCounterKind,
  workflowKind,
  runKind,
  ...RESOURCE_KINDS,
  quotaCounterKind,
  usagePeriodKind,
  budgetPolicyKind,
  budgetLedgerKind,
  modelPolicyKind,
  modelCredentialKind,
  tenantHealthHourKind,
  subscriptionKind,
  invoiceKind,
  portabilityJobKind,
  complianceSettingsKind,
  drillRecordKind,
  sweepRecordKind,
  idempotencyRecordKind,
  auditEntryKind,
  auditHeadKind,
  nestedPartitionKind,
];
