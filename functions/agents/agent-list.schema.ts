import { pageSchema } from '../core/request-conventions';
import { agentSchema } from './agent.schema';

/** A page of agents, as `GET /v1/tenants/{tenantId}/agents` returns it. */
export const agentPageSchema = pageSchema(agentSchema);
