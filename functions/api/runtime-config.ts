import * as z from 'zod';
import { coreEnvShape, parseEnvironment } from '../core/config';
import { parseDataRegions } from '../data/data-regions';
import { isolationEnvShape } from '../isolation/isolation.config';
import { lifecycleEnvShape } from '../tenants/lifecycle.config';
import { meterEnvShape } from '../usage/usage.config';
import { runQueueEnvShape } from '../workflows/run-queue.config';
import { usageKeyEnvShape } from '../billing/usage-key.binding';
import { paymentEnvShape } from '../billing/payment.config';
import { credentialStoreEnvShape } from '../governance/credential-store.config';
import { portabilityEnvShape } from '../portability/portability.config';

/**
 * Runtime configuration of every function, parsed once from the environment at cold start. A missing or bad
 * variable fails the cold start with a message that names it, instead of failing requests later. Assembled here,
 * in the composition roots, from the shapes each layer declares.
 */
export const runtimeConfigSchema = z.object({
  ...coreEnvShape,
  ...lifecycleEnvShape,
  ...isolationEnvShape,
  ...meterEnvShape,
  ...runQueueEnvShape,
  ...usageKeyEnvShape,
  ...paymentEnvShape,
  ...credentialStoreEnvShape,
  ...portabilityEnvShape,
  // Only functions that sign list cursors need it; the cursor codec fails their cold start when it is missing.
  CURSOR_SECRET: isolationEnvShape.CURSOR_SECRET.optional(),
  /** JSON: the table and data roles of every other region this function reaches (see data/data-regions.ts). */
  DATA_REGIONS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      try {
        return parseDataRegions(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/** Parses the environment; throws a ConfigError naming every bad variable. */
export function parseRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return parseEnvironment(runtimeConfigSchema, env);
}

let cached: RuntimeConfig | undefined;

/** The configuration of this process, parsed on first use. */
export function runtimeConfig(): RuntimeConfig {
  cached ??= parseRuntimeConfig();
  return cached;
}
