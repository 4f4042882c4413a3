import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';

/** A model id as agents name it (Bedrock model or inference profile id). */
const modelIdSchema = z.string().check(z.minLength(1), z.maxLength(200));

/** An Amazon Bedrock guardrail identifier: its id, or its ARN. */
const guardrailIdSchema = z
  .string()
  .check(
    z.maxLength(2048),
    z.regex(/^([a-z0-9]{1,64}|arn:aws(-[a-z-]+)?:bedrock:[a-z0-9-]{1,20}:\d{12}:guardrail\/[a-z0-9]{1,64})$/, 'a Bedrock guardrail id or ARN'),
  );

/** The tenant's guardrail, applied to every model call of its runs. */
export const guardrailSchema = z.strictObject({
  /** The Amazon Bedrock guardrail applied to each call in AWS. */
  id: guardrailIdSchema,
  /** Its version: `DRAFT` or a published version number. */
  version: z.string().check(z.regex(/^(DRAFT|[1-9]\d{0,7})$/, 'DRAFT or a version number')),
  /**
   * Words and phrases the local platform's content filter blocks in what a step is given and what it answers (its
   * stand-in for the guardrail's word filters; Bedrock applies the guardrail's own). @default none
   */
  blockedTerms: z._default(z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))).check(z.maxLength(100)), []),
});

const distinct = (values: readonly string[]) => new Set(values).size === values.length;

/** The body of `PUT /model-policy`. */
export const modelPolicyBodySchema = z.strictObject({
  /** The models the tenant's agents may use, a subset of its plan's. @default every model of the plan */
  allowedModels: z.optional(z.array(modelIdSchema).check(z.minLength(1), z.maxLength(50), z.refine(distinct, 'allowed models must be distinct'))),
  /** @default no guardrail */
  guardrail: z.optional(guardrailSchema),
});
export type ModelPolicyBody = z.infer<typeof modelPolicyBodySchema>;

/** The stored model policy. */
export const modelPolicySchema = z.object({
  allowedModels: z.optional(z.array(modelIdSchema).check(z.maxLength(50))),
  guardrail: z.optional(guardrailSchema),
  version: z.int().check(z.gte(1)),
  updatedAt: z.string().check(z.maxLength(40)),
  updatedBy: z.string().check(z.maxLength(200)),
});
export type ModelPolicy = z.infer<typeof modelPolicySchema>;

export const modelPolicyPathSchema = z.strictObject({ tenantId: tenantIdSchema });
