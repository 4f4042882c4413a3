import * as z from '../core/zod';
import { emailAddressSchema } from '../core/email';

const regionList = z.pipe(
  z.pipe(
    z.string(),
    z.transform((text: string) =>
      text
        .split(',')
        .map((region) => region.trim())
        .filter((region) => region.length > 0),
    ),
  ),
  z.array(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must list AWS regions such as eu-central-1,us-east-1'))).check(z.minLength(1)),
);

/**
 * Environment of tenant lifecycle, users, invitations and API keys, spread into the runtime config schema
 * (core/config.ts) so it is parsed once at cold start with the rest. Everything has a default that works in AWS
 * with one region; the local platform sets the endpoint overrides.
 */
export const lifecycleEnvShape = {
  /**
   * The region of the control plane: the authoritative tenant directory (slug reservations) and the onboarding API
   * (`POST /v1/tenants`, `GET /v1/tenants`), answered with 421 elsewhere.
   * @default AWS_REGION
   */
  CONTROL_PLANE_REGION: z.optional(z.string().check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/))),
  /**
   * Every region that keeps a copy of the tenant directory (comma-separated), the control-plane region included.
   * @default AWS_REGION
   */
  DIRECTORY_REGIONS: z.optional(regionList),
  /** The EventBridge bus onboarding events go to. @default the account's default bus */
  ONBOARDING_EVENT_BUS: z._default(z.string().check(z.minLength(1)), 'default'),
  /** EventBridge endpoint override (the local event bus); absent in AWS. */
  EVENTBRIDGE_ENDPOINT: z.optional(z.url()),
  /** Cognito endpoint override (cognito-local); absent in AWS. */
  COGNITO_ENDPOINT: z.optional(z.url()),
  /** How invitation mail leaves: `ses` (Amazon SES v2) or `mailbox` (files under MAILBOX_DIR, local). @default ses */
  MAIL_TRANSPORT: z._default(z.enum(['ses', 'mailbox']), 'ses'),
  /** Folder of the local mailbox; required with MAIL_TRANSPORT=mailbox. */
  MAILBOX_DIR: z.optional(z.string().check(z.minLength(1))),
  /** Sender of invitation mail (an SES-verified identity in AWS). */
  MAIL_FROM: z._default(emailAddressSchema(), 'no-reply@agent-platform.example'),
  /** The console's URL, for links in invitation mail. @default none (the mail shows the code only) */
  CONSOLE_URL: z.optional(z.url()),
  /** How long an invitation can be accepted, in hours. @default 72 */
  INVITATION_TTL_HOURS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(24 * 30)), 72),
};
