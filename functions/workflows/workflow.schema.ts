import * as z from 'zod';
import { agentIdSchema } from '../agents/agent.schema';
import { tenantIdSchema } from '../data/keys';
import { graphIssues, WORKFLOW_MODES, type GraphStep, type WorkflowMode } from './workflow.graph';

/** Most steps a workflow may have: bounds run time and the size of a run record. */
export const MAX_STEPS = 25;

/** Ids the platform generates for workflows and runs. */
export const resourceIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -');

/** A step id, chosen by the author; unique within its workflow. */
export const stepIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'step id must be 1-64 letters, digits, _ or -');

export const workflowModeSchema = z.enum(WORKFLOW_MODES);

export const workflowStepSchema = z
  .object({
    id: stepIdSchema,
    /** An agent of the same tenant. */
    agentId: agentIdSchema,
    /** Steps whose outputs this step is given (mode `dag` only). */
    dependsOn: z.array(stepIdSchema).max(MAX_STEPS).optional(),
    /** What this step asks its agent, before the run input and its dependencies' outputs. */
    prompt: z.string().max(4_000).optional(),
  })
  .strict();
export type WorkflowStep = z.infer<typeof workflowStepSchema>;

const stepsSchema = z.array(workflowStepSchema).min(1).max(MAX_STEPS);

/** Adds the graph rules (unique ids, known dependencies, no cycle) to a body holding mode and steps. */
function checkGraph(value: { mode?: WorkflowMode; steps?: GraphStep[] }, ctx: z.RefinementCtx): void {
  if (!value.steps || !value.mode) return;
  for (const issue of graphIssues(value.mode, value.steps)) {
    ctx.addIssue({ code: 'custom', path: ['steps', ...issue.path], message: issue.message });
  }
}

const name = z.string().trim().min(1).max(200);
const description = z.string().max(2_000);

export const createWorkflowBodySchema = z
  .object({
    name,
    description: description.optional(),
    /** @default sequential */
    mode: workflowModeSchema.default('sequential'),
    steps: stepsSchema,
  })
  .strict()
  .superRefine(checkGraph);
export type CreateWorkflowBody = z.infer<typeof createWorkflowBodySchema>;

/** A partial update; `mode` and `steps` form the graph and change together. */
export const updateWorkflowBodySchema = z
  .object({ name: name.optional(), description: description.optional(), mode: workflowModeSchema.optional(), steps: stepsSchema.optional() })
  .strict()
  .superRefine((value, ctx) => {
    if (Object.keys(value).length === 0) ctx.addIssue({ code: 'custom', path: [], message: 'nothing to change' });
    if ((value.mode === undefined) !== (value.steps === undefined)) {
      ctx.addIssue({ code: 'custom', path: [value.mode === undefined ? 'mode' : 'steps'], message: 'mode and steps change together' });
    }
    checkGraph(value, ctx);
  });
export type UpdateWorkflowBody = z.infer<typeof updateWorkflowBodySchema>;

export const workflowSchema = z.object({
  workflowId: resourceIdSchema,
  name,
  description: description.optional(),
  mode: workflowModeSchema,
  steps: z.array(workflowStepSchema),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  /** Increases with every change; the ETag. */
  version: z.number().int().positive(),
});
export type Workflow = z.infer<typeof workflowSchema>;

export const workflowPathSchema = z.object({ tenantId: tenantIdSchema, workflowId: resourceIdSchema });
export const workflowsPathSchema = z.object({ tenantId: tenantIdSchema });
