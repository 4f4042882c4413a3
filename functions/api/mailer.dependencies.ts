import { ConfigError } from '../core/config';
import { onFirstUse } from '../core/on-first-use';
import type { Mailer } from '../users/mailer';
import { MailboxMailer } from '../users/mailer.mailbox';
import type { RuntimeConfig } from './runtime-config';

/** The configured mail transport: Amazon SES (its client loaded at the first mail), or the local mailbox folder. */
export function mailerOf(config: RuntimeConfig): Mailer {
  if (config.MAIL_TRANSPORT === 'mailbox') {
    if (!config.MAILBOX_DIR) throw new ConfigError('invalid runtime configuration: MAILBOX_DIR is required when MAIL_TRANSPORT is mailbox');
    // The Lambda bundles leave the mailbox out (BUNDLE_DEFINE in lib/function-bundling.ts).
    if (process.env.LAMBDA_BUNDLE !== 'true') return new MailboxMailer(config.MAILBOX_DIR, config.MAIL_FROM);
    throw new ConfigError("invalid runtime configuration: MAIL_TRANSPORT=mailbox is the local platform's transport; in Lambda it is ses");
  }
  return onFirstUse(() => {
    const { SESv2Client } = require('@aws-sdk/client-sesv2') as typeof import('@aws-sdk/client-sesv2');
    const { SesMailer } = require('../users/mailer.ses') as typeof import('../users/mailer.ses');
    return new SesMailer(new SESv2Client({ region: config.AWS_REGION, maxAttempts: 3 }), config.MAIL_FROM);
  });
}
