import * as z from '../core/zod';
import { DATA_SCOPES, roleArnField, type RoleArnField } from './data-scopes';

/**
 * Where a function reaches the data of each residency region: the region's table and the data roles of the scopes the
 * function has (data-scopes.ts). Functions that act across regions (the tenant lifecycle: directory copies in every
 * region, a tenant's record in its home region; the issuer registrar) get every region they write; the others only
 * know their own region through TABLE_NAME and the *_DATA_ROLE_ARN variables. CDK (lib/) writes this map as JSON into
 * DATA_REGIONS; nothing else spells the shape.
 */
export const DATA_REGIONS_ENV = 'DATA_REGIONS';

const roleArnSchema = z.string().check(z.regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/, 'must be an IAM role ARN'));

/** One region's data: its table and the roles of the function's scopes in it (`tenantDataRoleArn`, …). */
export const dataRegionSchema = z.strictObject({
  tableName: z.string().check(z.minLength(1)),
  ...(Object.fromEntries(DATA_SCOPES.map((scope) => [roleArnField(scope), z.optional(roleArnSchema)])) as Record<
    RoleArnField,
    z.ZodMiniOptional<typeof roleArnSchema>
  >),
});
export type DataRegion = z.infer<typeof dataRegionSchema>;

export const dataRegionsSchema = z.record(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region')), dataRegionSchema);
export type DataRegions = z.infer<typeof dataRegionsSchema>;

/** Parses the DATA_REGIONS variable (JSON); absent means no region beyond the function's own. */
export function parseDataRegions(json: string | undefined): DataRegions {
  if (json === undefined || json === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error(`${DATA_REGIONS_ENV} is not JSON`);
  }
  const result = dataRegionsSchema.safeParse(value);
  if (!result.success) {
    throw new Error(`${DATA_REGIONS_ENV} is invalid: ${result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  return result.data;
}

/** The data of one region; throws when the function was not given that region. */
export function dataRegionOf(regions: DataRegions, region: string): DataRegion {
  const data = regions[region];
  if (!data) throw new Error(`no data of region ${region} in ${DATA_REGIONS_ENV} (has ${Object.keys(regions).join(', ') || 'none'})`);
  return data;
}
