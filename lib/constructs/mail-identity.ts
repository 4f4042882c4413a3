import { Annotations, Aws, CfnOutput } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';
import type { PlatformConfig } from '../config';

/** How a function sends mail: the sender address and the name of the SES identity that proves it. */
export interface MailSender {
  /** Sender address, passed as MAIL_FROM. */
  readonly from: string;
  /** The SES identity (the sender's domain, or the address itself): the one resource SendEmail is granted on. */
  readonly identityName: string;
}

/** The sender and SES identity the config names: the same in every region (identities are regional). */
export function mailSenderOf(config: PlatformConfig): MailSender {
  const { from, identity } = config.mail;
  return { from, identityName: identity === 'domain' ? from.slice(from.lastIndexOf('@') + 1) : from };
}

/** The ARN of an SES identity in the region and account of the stack that resolves it. */
export function mailIdentityArn(sender: MailSender): string {
  return `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${sender.identityName}`;
}

export interface MailIdentityProps {
  /** The platform config: its `mail` section says what to verify. */
  readonly config: PlatformConfig;
}

/**
 * The SES identity invitations are sent from, in the stack's region. A domain identity signs with Easy DKIM: its
 * three CNAME records are published in the configured Route 53 zone, or else written as outputs to publish by hand.
 * An address identity makes SES mail a verification link to the address. Until the identity is verified (and, in a
 * new account, SES production access is granted) sending fails, and the invitation route says so (`mail-not-sent`).
 */
export class MailIdentity extends Construct {
  readonly identity: ses.EmailIdentity;
  readonly sender: MailSender;

  constructor(scope: Construct, id: string, props: MailIdentityProps) {
    super(scope, id);
    const { mail } = props.config;
    this.sender = mailSenderOf(props.config);
    if (this.sender.identityName.endsWith('.example')) {
      Annotations.of(this).addWarningV2(
        'agent-platform:mail-placeholder',
        `mail.from is ${mail.from}: .example domains can never be verified, so no invitation can be sent. Set mail.from in the platform config`,
      );
    }
    const zone = mail.hostedZone
      ? route53.PublicHostedZone.fromPublicHostedZoneAttributes(this, 'Zone', { hostedZoneId: mail.hostedZone.id, zoneName: mail.hostedZone.name })
      : undefined;
    if (zone && mail.identity === 'domain' && !`.${this.sender.identityName}`.endsWith(`.${mail.hostedZone?.name}`)) {
      throw new Error(`mail.hostedZone ${mail.hostedZone?.name} does not hold the sender's domain ${this.sender.identityName}`);
    }
    this.identity = new ses.EmailIdentity(this, 'Identity', {
      identity:
        mail.identity === 'address'
          ? ses.Identity.email(this.sender.identityName)
          : zone && this.sender.identityName === mail.hostedZone?.name
            ? ses.Identity.publicHostedZone(zone)
            : ses.Identity.domain(this.sender.identityName),
    });
    if (mail.identity === 'domain') this.dkimRecords(zone);
  }

  /** The Easy DKIM records of a domain identity: in the zone when one is configured, else as outputs. */
  private dkimRecords(zone: route53.IPublicHostedZone | undefined): void {
    const records = [
      [this.identity.dkimDnsTokenName1, this.identity.dkimDnsTokenValue1],
      [this.identity.dkimDnsTokenName2, this.identity.dkimDnsTokenValue2],
      [this.identity.dkimDnsTokenName3, this.identity.dkimDnsTokenValue3],
    ] as const;
    // The identity adds the records itself when it is the zone's apex (Identity.publicHostedZone).
    if (zone && this.sender.identityName === zone.zoneName) return;
    records.forEach(([name, value], index) => {
      if (zone) new route53.CnameRecord(this, `Dkim${index + 1}`, { zone, recordName: name, domainName: value });
      else
        new CfnOutput(this, `DkimRecord${index + 1}`, {
          value: `${name} CNAME ${value}`,
          description: `DKIM record ${index + 1} of ${this.sender.identityName}: publish it in its DNS zone`,
        });
    });
  }
}
