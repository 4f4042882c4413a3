import { type CfnElement, CustomResource, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { IssuerRegistrationProperties } from '../../functions/identity/issuer-registration.service';
import type { IssuerRegistration as Registration } from '../../functions/identity/issuer-registry.repository';
import type { PlatformFunction } from './platform-function';

/** The CloudFormation type of issuer registrations. */
export const ISSUER_REGISTRATION_RESOURCE_TYPE = 'Custom::IssuerRegistration';

export interface IssuerRegistrarProps {
  /**
   * The registrar (functions/api/issuer-registration.ts), bound to the issuer registry role of every region it
   * registers in (and to nothing else).
   */
  readonly handler: PlatformFunction;
}

/**
 * The service behind issuer registrations: CloudFormation calls it, through the CDK provider framework, to write a
 * user pool's issuer into a region's issuer registry. The API trusts tokens of registered issuers only.
 */
export class IssuerRegistrar extends Construct {
  readonly provider: cr.Provider;

  constructor(scope: Construct, id: string, props: IssuerRegistrarProps) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'ProviderLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    // The framework's own role instead of its default, which carries AWSLambdaBasicExecutionRole (every log group).
    const frameworkRole = new iam.Role(this, 'ProviderRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Role of the CDK provider framework in front of the issuer registrar',
    });
    logGroup.grantWrite(frameworkRole);
    this.provider = new cr.Provider(this, 'Provider', { onEventHandler: props.handler.function, logGroup, frameworkOnEventRole: frameworkRole });
    const handlerId = Stack.of(this).getLogicalId(props.handler.function.node.defaultChild as CfnElement);
    Validations.of(frameworkRole).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${handlerId}.Arn>:*]`,
      reason: "The CDK provider framework invokes the registrar and any of its versions: the wildcard is the version suffix of that one function's ARN",
    });
    Validations.of(this.provider.node.findChild('framework-onEvent')).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'The CDK provider framework chooses its own runtime and is upgraded with aws-cdk-lib; it runs no code of this platform',
    });
  }

  /** The service token of registrations (the provider framework's function ARN). */
  get serviceToken(): string {
    return this.provider.serviceToken;
  }
}

export interface IssuerRegistrationProps {
  /** Service token of the registrar of the stack's region (a custom resource cannot call another region). */
  readonly serviceToken: string;
  /** The region whose registry holds the registration. */
  readonly region: string;
  readonly registration: Registration;
}

/** One issuer registration: written on create and update, removed on delete. */
export class IssuerRegistration extends Construct {
  readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: IssuerRegistrationProps) {
    super(scope, id);
    const properties: IssuerRegistrationProperties = { Region: props.region, Registration: props.registration };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: props.serviceToken,
      resourceType: ISSUER_REGISTRATION_RESOURCE_TYPE,
      properties,
    });
  }
}
