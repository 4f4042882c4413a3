import { credentialStoreOf } from '../../../functions/api/credential-store.dependencies';
import { mailerOf } from '../../../functions/api/mailer.dependencies';
import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { ConfigError } from '../../../functions/core/config';
import { FileCredentialStore } from '../../../functions/governance/credential-store.file';
import { MailboxMailer } from '../../../functions/users/mailer.mailbox';

/**
 * The file credential store and the mailbox mailer are the local platform's: the Lambda bundles leave them out
 * (`process.env.LAMBDA_BUNDLE` is "true" there, see lib/function-bundling.ts), and a function configured for them there
 * fails its cold start with a message that says so, never falling back to another store in silence.
 */
const config = parseRuntimeConfig({
  AWS_REGION: 'eu-central-1',
  TABLE_NAME: 'agent-platform',
  CREDENTIAL_STORE: 'file',
  CREDENTIAL_STORE_DIR: '/tmp/credentials',
  MAIL_TRANSPORT: 'mailbox',
  MAILBOX_DIR: '/tmp/mailbox',
});

afterEach(() => {
  delete process.env.LAMBDA_BUNDLE;
});

describe('the local platform’s stores', () => {
  it('are what the local platform and the tests get', () => {
    expect(credentialStoreOf(config)).toBeInstanceOf(FileCredentialStore);
    expect(mailerOf(config)).toBeInstanceOf(MailboxMailer);
  });

  it('refuse to start in a Lambda bundle, naming the setting', () => {
    // Prepare: what the bundles' build-time replacement makes of the check.
    process.env.LAMBDA_BUNDLE = 'true';

    // Act and assess
    expect(() => credentialStoreOf(config)).toThrow(ConfigError);
    expect(() => credentialStoreOf(config)).toThrow(/CREDENTIAL_STORE=file/);
    expect(() => mailerOf(config)).toThrow(/MAIL_TRANSPORT=mailbox/);
  });
});
