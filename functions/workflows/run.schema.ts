import * as z from '../core/zod';
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

export const tokenUsageSchema = z.object({ inputTokens: z.int().check(z.nonnegative()), outputTokens: z.int().check(z.nonnegative()) });

export const stepResultSchema = z.object({
  stepId: z.string(),
  agentId: z.string(),
  /** The model the agent had when the step ran. */
  modelId: z.optional(z.string()),
  status: z.enum(STEP_STATUSES),
  output: z.optional(z.string()),
  /** True when the output was longer than the record keeps. */
  outputTruncated: z.optional(z.boolean()),
  stopReason: z.optional(z.string()),
  usage: z.optional(tokenUsageSchema),
  /** Why the step failed, safe to show. */
  error: z.optional(z.string()),
  /** The tenant's own model credential the step's call was made with. @default the platform's access */
  credentialId: z.optional(z.string().check(z.maxLength(64))),
  /** What the tenant's guardrail blocked, when it failed the step. */
  guardrail: z.optional(
    z.object({
      action: z.literal('blocked'),
      source: z.enum(['input', 'output']),
      guardrailId: z.string().check(z.maxLength(2048)),
      guardrailVersion: z.string().check(z.maxLength(16)),
      /** The tenant's blocked terms the local filter found. */
      matched: z.optional(z.array(z.string().check(z.maxLength(100))).check(z.maxLength(100))),
    }),
  ),
  startedAt: z.optional(z.iso.datetime()),
  finishedAt: z.optional(z.iso.datetime()),
});
export type StepResult = z.infer<typeof stepResultSchema>;

export const runSchema = z.object({
  runId: resourceIdSchema,
  workflowId: resourceIdSchema,
  /** The workflow version the run executed. */
  workflowVersion: z.int().check(z.positive()),
  status: runStatusSchema,
  /** The model provider that answered the steps: `local` runs never reached a real model. */
  provider: z.enum(MODEL_PROVIDER_NAMES),
  input: z.string(),
  /** Results in the order the steps ran (topological). */
  steps: z.array(stepResultSchema),
  /** Tokens of all steps together. */
  usage: tokenUsageSchema,
  error: z.optional(z.string()),
  /** A cancel was asked for while the run was RUNNING: it ends CANCELLED before its next step. */
  cancelRequested: z.optional(z.boolean()),
  /** Workers that began executing the run (more than one after a worker stopped mid-run and another resumed it). */
  attempts: z.optional(z.int().check(z.nonnegative())),
  /** Who started it (token subject or API key id). */
  startedBy: z.string(),
  createdAt: z.iso.datetime(),
  startedAt: z.optional(z.iso.datetime()),
  finishedAt: z.optional(z.iso.datetime()),
});
export type Run = z.infer<typeof runSchema>;

export const startRunBodySchema = z.strictObject({
  /** What the first steps are given. */
  input: z._default(z.string().check(z.maxLength(32_000)), ''),
});
export type StartRunBody = z.infer<typeof startRunBodySchema>;

export const runPathSchema = z.object({ tenantId: tenantIdSchema, workflowId: resourceIdSchema, runId: resourceIdSchema });
