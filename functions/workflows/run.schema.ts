import * as z from 'zod';
import { tenantIdSchema } from '../data/keys';
import { MODEL_PROVIDER_NAMES } from '../models/model-provider';
import { resourceIdSchema } from './workflow.schema';

/** QUEUED when accepted, RUNNING while a worker executes its steps, then SUCCEEDED, FAILED or CANCELLED. */
export const RUN_STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export const runStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof runStatusSchema>;

/** Statuses a run never leaves. */
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/** A step that never started (an earlier step failed) is SKIPPED. */
export const STEP_STATUSES = ['SUCCEEDED', 'FAILED', 'SKIPPED'] as const;

/** Longest step output kept in the run record; a run record must stay far below DynamoDB's 400 KB item limit. */
export const MAX_STORED_OUTPUT = 8_000;

export const tokenUsageSchema = z.object({ inputTokens: z.number().int().nonnegative(), outputTokens: z.number().int().nonnegative() });

export const stepResultSchema = z.object({
  stepId: z.string(),
  agentId: z.string(),
  /** The model the agent had when the step ran. */
  modelId: z.string().optional(),
  status: z.enum(STEP_STATUSES),
  output: z.string().optional(),
  /** True when the output was longer than the record keeps. */
  outputTruncated: z.boolean().optional(),
  stopReason: z.string().optional(),
  usage: tokenUsageSchema.optional(),
  /** Why the step failed, safe to show. */
  error: z.string().optional(),
  /** The tenant's own model credential the step's call was made with. @default the platform's access */
  credentialId: z.string().max(64).optional(),
  /** What the tenant's guardrail blocked, when it failed the step. */
  guardrail: z
    .object({
      action: z.literal('blocked'),
      source: z.enum(['input', 'output']),
      guardrailId: z.string().max(2048),
      guardrailVersion: z.string().max(16),
      /** The tenant's blocked terms the local filter found. */
      matched: z.array(z.string().max(100)).max(100).optional(),
    })
    .optional(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
});
export type StepResult = z.infer<typeof stepResultSchema>;

export const runSchema = z.object({
  runId: resourceIdSchema,
  workflowId: resourceIdSchema,
  /** The workflow version the run executed. */
  workflowVersion: z.number().int().positive(),
  status: runStatusSchema,
  /** The model provider that answered the steps: `local` runs never reached a real model. */
  provider: z.enum(MODEL_PROVIDER_NAMES),
  input: z.string(),
  /** Results in the order the steps ran (topological). */
  steps: z.array(stepResultSchema),
  /** Tokens of all steps together. */
  usage: tokenUsageSchema,
  error: z.string().optional(),
  /** A cancel was asked for while the run was RUNNING: it ends CANCELLED before its next step. */
  cancelRequested: z.boolean().optional(),
  /** Workers that began executing the run (more than one after a worker stopped mid-run and another resumed it). */
  attempts: z.number().int().nonnegative().optional(),
  /** Who started it (token subject or API key id). */
  startedBy: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.iso.datetime().optional(),
  finishedAt: z.iso.datetime().optional(),
});
export type Run = z.infer<typeof runSchema>;

export const startRunBodySchema = z
  .object({
    /** What the first steps are given. */
    input: z.string().max(32_000).default(''),
  })
  .strict();
export type StartRunBody = z.infer<typeof startRunBodySchema>;

export const runPathSchema = z.object({ tenantId: tenantIdSchema, workflowId: resourceIdSchema, runId: resourceIdSchema });
