import * as z from '../core/zod';
import { agentIdSchema } from '../agents/agent-id';
import { tenantIdSchema } from '../data/keys';
import { graphIssues, WORKFLOW_MODES, type GraphStep, type WorkflowMode } from './workflow.graph';

/** Most steps a workflow may have: bounds run time and the size of a run record. */
export const MAX_STEPS = 25;

/** Ids the platform generates for workflows and runs. */
export const resourceIdSchema = z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'));

/** A step id, chosen by the author; unique within its workflow. */
export const stepIdSchema = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'step id must be 1-64 letters, digits, _ or -'));

export const workflowModeSchema = z.enum(WORKFLOW_MODES);

export const workflowStepSchema = z.strictObject({
  id: stepIdSchema,
  /** An agent of the same tenant. */
  agentId: agentIdSchema,
  /** Steps whose outputs this step is given (mode `dag` only). */
  dependsOn: z.optional(z.array(stepIdSchema).check(z.maxLength(MAX_STEPS))),
  /** What this step asks its agent, before the run input and its dependencies' outputs. */
  prompt: z.optional(z.string().check(z.maxLength(4_000))),
});
export type WorkflowStep = z.infer<typeof workflowStepSchema>;

const stepsSchema = z.array(workflowStepSchema).check(z.minLength(1), z.maxLength(MAX_STEPS));

/** Adds the graph rules (unique ids, known dependencies, no cycle) to a body holding mode and steps. */
function checkGraph(value: { mode?: WorkflowMode; steps?: GraphStep[] }, ctx: z.core.$RefinementCtx): void {
  if (!value.steps || !value.mode) return;
  for (const issue of graphIssues(value.mode, value.steps)) {
    ctx.addIssue({ code: 'custom', path: ['steps', ...issue.path], message: issue.message });
  }
}

const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));
const description = z.string().check(z.maxLength(2_000));

export const createWorkflowBodySchema = z
  .strictObject({
    name,
    description: z.optional(description),
    /** @default sequential */
    mode: z._default(workflowModeSchema, 'sequential'),
    steps: stepsSchema,
  })
  .check(z.superRefine(checkGraph));
export type CreateWorkflowBody = z.infer<typeof createWorkflowBodySchema>;

/** A partial update; `mode` and `steps` form the graph and change together. */
export const updateWorkflowBodySchema = z
  .strictObject({ name: z.optional(name), description: z.optional(description), mode: z.optional(workflowModeSchema), steps: z.optional(stepsSchema) })
  .check(
    z.superRefine((value, ctx) => {
      if (Object.keys(value).length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change' });
      if ((value.mode === undefined) !== (value.steps === undefined)) {
        ctx.addIssue({ code: 'custom', path: [value.mode === undefined ? 'mode' : 'steps'], message: 'mode and steps change together' });
      }
      checkGraph(value, ctx);
    }),
  );
export type UpdateWorkflowBody = z.infer<typeof updateWorkflowBodySchema>;

export const workflowSchema = z.object({
  workflowId: resourceIdSchema,
  name,
  description: z.optional(description),
  mode: workflowModeSchema,
  steps: z.array(workflowStepSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Increases with every change; the ETag. */
  version: z.int().check(z.positive()),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const workflowPathSchema = z.object({ tenantId: tenantIdSchema, workflowId: resourceIdSchema });
export const workflowsPathSchema = z.object({ tenantId: tenantIdSchema });
