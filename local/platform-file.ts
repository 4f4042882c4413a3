import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * `.local/platform.json`: how a person or a script reaches the local platform (API, cognito-local) and signs in
 * (the seeded users and their generated passwords). Written on first start, kept across restarts.
 */
const credentialsSchema = z.object({ username: z.string().min(1), password: z.string().min(12) });

export const platformFileSchema = z.object({
  /** The home region's API. */
  apiUrl: z.url(),
  cognitoEndpoint: z.url(),
  /** Every region's API by region. */
  regions: z.record(z.string(), z.url()),
  dynamoDbEndpoint: z.url(),
  /** The web console, on an origin of its own; absent in files of older starts. */
  consoleUrl: z.url().optional(),
  /** The S3-compatible server of the regions' export buckets (`exports-<region>`); absent in files of older starts. */
  s3Endpoint: z.url().optional(),
  platformAdmin: z.object({ userPoolId: z.string().min(1), clientId: z.string().min(1), ...credentialsSchema.shape }),
  tenants: z.array(
    z.object({
      tenantId: z.string().min(1),
      slug: z.string().min(1),
      region: z.string().min(1),
      /** The API of the tenant's home region. */
      apiUrl: z.url(),
      userPoolId: z.string().min(1),
      clientId: z.string().min(1),
      admin: credentialsSchema,
    }),
  ),
});
export type PlatformFile = z.infer<typeof platformFileSchema>;

/** The file's content, or undefined when there is none yet; throws when it exists but is not a platform file. */
export function readPlatformFile(path: string): PlatformFile | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = platformFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new Error(`${path} is not a valid platform file: ${parsed.error.message}`);
  return parsed.data;
}

/** Writes the file atomically, readable by its owner only (it holds passwords). */
export function writePlatformFile(path: string, content: PlatformFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(platformFileSchema.parse(content), null, 2)}\n`, { mode: 0o600 });
  renameSync(temporary, path);
}
