/** One outgoing mail. */
export interface Mail {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /**
   * Structured facts of the mail for machines reading a local mailbox (kind, tenant, invitation, code); never sent
   * by real transports.
   */
  readonly data?: Readonly<Record<string, string>>;
}

/** Sends mail: Amazon SES in AWS, a folder of files locally. */
export interface Mailer {
  send(mail: Mail): Promise<void>;
}
