import * as z from '../core/zod';
import { coreEnvShape, parseEnvironment } from '../core/config';
import { parseDataRegions, type DataRegion } from '../data/data-regions';
import { DATA_SCOPES, roleArnField, roleArnVariable, type RoleArnVariable } from '../data/data-scopes';
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
  CURSOR_SECRET: z.optional(isolationEnvShape.CURSOR_SECRET),
  /** JSON: the table and data roles of every other region this function reaches (see data/data-regions.ts). */
  DATA_REGIONS: z.pipe(
    z.optional(z.string()),
    z.transform((text: string | undefined, ctx) => {
      try {
        return parseDataRegions(text);
      } catch (error) {
        ctx.issues.push({ code: 'custom', message: (error as Error).message, input: text });
        return z.NEVER;
      }
    }),
  ),
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

/** The regions whose directory copies the control plane writes (the residency regions), the control-plane region first. */
export function directoryRegionsOf(config: RuntimeConfig): { controlPlane: string; all: string[] } {
  const controlPlane = config.CONTROL_PLANE_REGION ?? config.AWS_REGION;
  const listed = config.DIRECTORY_REGIONS ?? [config.AWS_REGION];
  return { controlPlane, all: [controlPlane, ...listed.filter((region) => region !== controlPlane)] };
}

/**
 * The configuration of this function as it reaches another region: that region's table and data roles from
 * DATA_REGIONS (in AWS), or the same names in that region (locally, where no map is given).
 */
export function regionConfigOf(config: RuntimeConfig, region: string): RuntimeConfig {
  if (region === config.AWS_REGION) return config;
  const remote = config.DATA_REGIONS[region];
  return { ...config, AWS_REGION: region, TABLE_NAME: remote?.tableName ?? config.TABLE_NAME, ...(remote ? remoteRoleArns(remote) : {}) };
}

/** Another region's role ARNs from its DATA_REGIONS entry, as that region's isolation layer reads them. */
function remoteRoleArns(remote: DataRegion): Pick<RuntimeConfig, RoleArnVariable> {
  return Object.fromEntries(DATA_SCOPES.map((scope) => [roleArnVariable(scope), remote[roleArnField(scope)]])) as Pick<RuntimeConfig, RoleArnVariable>;
}
