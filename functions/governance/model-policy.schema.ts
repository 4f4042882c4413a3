import * as z from 'zod';
import { tenantIdSchema } from '../data/keys';

/** A model id as agents name it (Bedrock model or inference profile id). */
const modelIdSchema = z.string().min(1).max(200);

/** An Amazon Bedrock guardrail identifier: its id, or its ARN. */
const guardrailIdSchema = z
  .string()
  .max(2048)
  .regex(/^([a-z0-9]{1,64}|arn:aws(-[a-z-]+)?:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail\/[a-z0-9]{1,64})$/, 'a Bedrock guardrail id or ARN');

/** The tenant's guardrail, applied to every model call of its runs. */
export const guardrailSchema = z
  .object({
    /** The Amazon Bedrock guardrail applied to each call in AWS. */
    id: guardrailIdSchema,
    /** Its version: `DRAFT` or a published version number. */
    version: z.string().regex(/^(DRAFT|[1-9]\d{0,7})$/, 'DRAFT or a version number'),
    /**
     * Words and phrases the local platform's content filter blocks in what a step is given and what it answers (its
     * stand-in for the guardrail's word filters; Bedrock applies the guardrail's own). @default none
     */
    blockedTerms: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
  })
  .strict();

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

/** The body of `PUT /model-policy`. */
export const modelPolicyBodySchema = z
  .object({
    /** The models the tenant's agents may use, a subset of its plan's. @default every model of the plan */
    allowedModels: z.array(modelIdSchema).min(1).max(50).refine(distinct, 'allowed models must be distinct').optional(),
    /** @default no guardrail */
    guardrail: guardrailSchema.optional(),
  })
  .strict();
export type ModelPolicyBody = z.infer<typeof modelPolicyBodySchema>;

/** The stored model policy. */
export const modelPolicySchema = z.object({
  allowedModels: z.array(modelIdSchema).max(50).optional(),
  guardrail: guardrailSchema.optional(),
  version: z.number().int().min(1),
  updatedAt: z.string().max(40),
  updatedBy: z.string().max(200),
});
export type ModelPolicy = z.infer<typeof modelPolicySchema>;

export const modelPolicyPathSchema = z.object({ tenantId: tenantIdSchema }).strict();
