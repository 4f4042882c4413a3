import type { Page } from '../core/request-conventions';
import type { AuditEntry } from './audit-chain';
import type { AuditRepository } from './audit.repository';
import type { AuditListQuery, AuditVerification } from './audit.schema';

/** Reading a tenant's audit log. Entries are appended only by the mutation executor, in the mutation's transaction. */
export class AuditService {
  constructor(private readonly audit: (tenantId: string) => AuditRepository) {}

  list(tenantId: string, query: AuditListQuery): Promise<Page<AuditEntry>> {
    return this.audit(tenantId).list(query);
  }

  verify(tenantId: string): Promise<AuditVerification> {
    return this.audit(tenantId).verify();
  }
}
