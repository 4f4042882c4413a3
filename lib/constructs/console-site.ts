import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleContentSecurityPolicy } from '../../web/security-headers';
import { CONSOLE_CONFIG_FILE, PLATFORM_ADMIN_SETTINGS_FILE } from '../../web/console-files';

export interface ConsoleSiteProps {
  /** The built console (web/build.ts): index.html and assets/. */
  readonly assetDir: string;
  /** The API that answers discovery and platform-admin calls, written to the console's config.json. */
  readonly apiUrl: string;
  /** Each region's API, for config.json. @default only this region's `apiUrl` */
  readonly regionEndpoints?: Readonly<Record<string, string>>;
  /**
   * The platform-admin pool's app client and hosted UI, for config.json.
   * @default none: platform admins cannot sign in through this region's console
   */
  readonly platformAdmin?: { readonly clientId: string; readonly hostedUiUrl: string };
}

/**
 * The web console of a region: a private bucket that only its CloudFront distribution reads (origin access
 * control), HTTPS only, the console's security headers on every answer, every unknown path answered with index.html
 * (the console routes in the browser, `/auth/callback` included), and the build plus its config.json uploaded.
 */
export class ConsoleSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** `https://<distribution domain>`: the console's origin, for CORS and the app clients' redirect URLs. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: ConsoleSiteProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    const logs = accessLogsBucket(this);

    this.bucket = siteBucket(this, logs);

    const connectOrigins = [
      props.apiUrl,
      ...Object.values(props.regionEndpoints ?? {}),
      `https://*.auth.${region}.amazoncognito.com`,
      `https://cognito-idp.${region}.amazonaws.com`,
    ];
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Security headers of the web console',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: consoleContentSecurityPolicy(connectOrigins.map((url) => originOf(url))), override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Web console',
      defaultRootObject: 'index.html',
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      // Without ListBucket, S3 answers 403 for a missing key: both mean "a path the console routes itself".
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) })),
    });
    Validations.of(this.distribution).acknowledge(
      { id: 'AwsSolutions-CFR1', reason: 'The console is open to every country: tenants sign in from anywhere; the API enforces access' },
      { id: 'AwsSolutions-CFR2', reason: 'The console is static files; the regional web ACL protects the API the console calls' },
      {
        id: 'AwsSolutions-CFR4',
        reason: 'The default CloudFront certificate allows only TLS 1.2+ only with a custom domain and certificate, which the platform config does not name',
      },
    );
    this.url = `https://${this.distribution.distributionDomainName}`;

    const settings = {
      apiUrl: props.apiUrl,
      regions: props.regionEndpoints ?? { [region]: props.apiUrl },
      platformAdmin: props.platformAdmin ?? { clientId: '' },
    };
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      sources: [s3deploy.Source.asset(props.assetDir), s3deploy.Source.jsonData(CONSOLE_CONFIG_FILE, settings)],
      distribution: this.distribution,
      distributionPaths: ['/index.html', `/${CONSOLE_CONFIG_FILE}`],
      // The control plane writes the platform-admin pool's settings beside config.json (ConsoleAdminSignIn): a
      // deployment of this stack must not remove them as a file its build lacks.
      exclude: [PLATFORM_ADMIN_SETTINGS_FILE],
      memoryLimit: 256,
    });
    const bucketId = Stack.of(this).resolve((this.bucket.node.defaultChild as s3.CfnBucket).logicalId) as string;
    acknowledgeUploadHandler(deployment, { consoleObjects: [`<${bucketId}.Arn>/*`], invalidates: true });
  }
}

export interface ConsoleAdminSignInProps {
  /** The bucket of the home region's console, whose CloudFront distribution the admin pool's callback URL names. */
  readonly bucket: s3.IBucket;
  /**
   * The bucket's objects as cdk-nag may name them in a finding's resource (`arn:<partition>:s3:::<Ref>/*`), for the
   * acknowledgement of the upload function's write access.
   */
  readonly bucketObjectsFindings: readonly string[];
  /** The platform-admin pool's console app client. */
  readonly clientId: string;
  /** Base URL of the platform-admin pool's hosted UI. */
  readonly hostedUiUrl: string;
}

/**
 * Writes the platform-admin pool's sign-in settings (app client, hosted UI) beside the home region's console as
 * `platform-admin.json`, which the console reads when its config.json names no admin pool. The control plane owns
 * the pool and deploys after the regions, so the region stack cannot put them in config.json itself without a
 * dependency cycle. Served with `no-cache`: a replaced client reaches browsers without an invalidation.
 */
export class ConsoleAdminSignIn extends Construct {
  readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: ConsoleAdminSignInProps) {
    super(scope, id);
    this.deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: props.bucket,
      sources: [s3deploy.Source.jsonData(PLATFORM_ADMIN_SETTINGS_FILE, { clientId: props.clientId, hostedUiUrl: props.hostedUiUrl })],
      // The console's own files belong to the region stack's deployment.
      prune: false,
      cacheControl: [s3deploy.CacheControl.noCache()],
      memoryLimit: 256,
    });
    acknowledgeUploadHandler(this.deployment, { consoleObjects: props.bucketObjectsFindings, invalidates: false });
  }
}

/**
 * CDK's upload function (a singleton per stack): its permissions are those of the console deployments, scoped by
 * them. `consoleObjects` are the console bucket's objects as cdk-nag may write them in the finding; `invalidates` when the
 * deployment invalidates CloudFront paths.
 */
function acknowledgeUploadHandler(
  deployment: s3deploy.BucketDeployment,
  { consoleObjects, invalidates }: { consoleObjects: readonly string[]; invalidates: boolean },
): void {
  const stack = Stack.of(deployment);
  const handler = deployment.handlerRole.node.scope as Construct;
  const assetAccount = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const reason = (what: string) => `The console's upload function (CDK's bucket deployment handler, one per stack) ${what}`;
  Validations.of(handler).acknowledge(
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: reason('writes its logs only'),
    },
    { id: 'AwsSolutions-L1', reason: reason('its runtime is chosen by aws-cdk-lib and moves with it') },
    ...['s3:Abort*', 's3:DeleteObject*', 's3:GetBucket*', 's3:GetObject*', 's3:List*'].map((action) => ({
      id: `AwsSolutions-IAM5[Action::${action}]`,
      reason: reason('the actions of grantRead on the asset and grantReadWrite on the console bucket, and nothing else'),
    })),
    ...consoleObjects.map((objects) => ({ id: `AwsSolutions-IAM5[Resource::${objects}]`, reason: reason('replaces every object of the console bucket') })),
    // CDK writes the asset bucket's partition literally when it knows the region's, else as a reference, and the
    // account as a reference unless the stack names it.
    ...['aws', '<AWS::Partition>'].map((partition) => ({
      id: `AwsSolutions-IAM5[Resource::arn:${partition}:s3:::cdk-hnb659fds-assets-${assetAccount}-${stack.region}/*]`,
      reason: reason('reads the console build from the CDK asset bucket'),
    })),
    ...(invalidates
      ? [{ id: 'AwsSolutions-IAM5[Resource::*]', reason: reason('CloudFront invalidations name no resource ARN in the policy CDK writes') }]
      : []),
  );
}

/** The origin of a URL that may hold deploy-time tokens or a wildcard host. */
function originOf(url: string): string {
  const match = /^(https?:\/\/[^/]+)/.exec(url);
  return match ? match[1] : url;
}

/** The bucket of the console's S3 and CloudFront access logs. */
function accessLogsBucket(scope: Construct): s3.Bucket {
  const logs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    // CloudFront standard logs are written with ACLs.
    objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365) }],
  });
  Validations.of(logs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket receives the console access logs; logging it would log the logging' });
  return logs;
}

/** The private bucket the console's files are served from, through CloudFront only. */
function siteBucket(scope: Construct, logs: s3.IBucket): s3.Bucket {
  return new s3.Bucket(scope, 'Bucket', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    // The console is rebuilt from the repository on every deployment: nothing in it needs keeping.
    removalPolicy: RemovalPolicy.DESTROY,
    serverAccessLogsBucket: logs,
    serverAccessLogsPrefix: 'bucket/',
  });
}
