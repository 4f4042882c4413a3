import * as z from '../core/zod';

/**
 * Agent ids, apart from the agent's own schemas (agent.schema.ts): the kinds that live under an agent (memories) or
 * name one (workflow steps) need only these, and a bundle that imports a module keeps every schema it builds.
 * Letters, digits, `_` and `-` (never the key separator), 1–64 characters.
 */
export const agentIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'agent id must be 1-64 letters, digits, _ or -'));
