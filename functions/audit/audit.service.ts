import type { Page } from '../core/request-conventions';
import type { AuditRepository, ListedAuditEntry } from './audit.repository';
import type { AuditListQuery, AuditVerification } from './audit.schema';

/** Reading a tenant's audit log. Entries are written only by the mutation executor, in the mutation's transaction, and linked by the sealer. */
export class AuditService {
  constructor(private readonly audit: (tenantId: string) => AuditRepository) {}

  list(tenantId: string, query: AuditListQuery): Promise<Page<ListedAuditEntry>> {
    return this.audit(tenantId).list(query);
  }

  verify(tenantId: string): Promise<AuditVerification> {
    return this.audit(tenantId).verify();
  }
}
