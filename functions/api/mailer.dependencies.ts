import { SESv2Client } from '@aws-sdk/client-sesv2';
import { ConfigError } from '../core/config';
import type { Mailer } from '../users/mailer';
import { MailboxMailer } from '../users/mailer.mailbox';
import { SesMailer } from '../users/mailer.ses';
import type { RuntimeConfig } from './runtime-config';

/** The configured mail transport: Amazon SES, or the local mailbox folder. */
export function mailerOf(config: RuntimeConfig): Mailer {
  if (config.MAIL_TRANSPORT === 'mailbox') {
    if (!config.MAILBOX_DIR) throw new ConfigError('invalid runtime configuration: MAILBOX_DIR is required when MAIL_TRANSPORT is mailbox');
    return new MailboxMailer(config.MAILBOX_DIR, config.MAIL_FROM);
  }
  return new SesMailer(new SESv2Client({ region: config.AWS_REGION, maxAttempts: 3 }), config.MAIL_FROM);
}
