import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface ExportBucketProps {
  /**
   * The bucket's name, when other regions' functions must know it (migrations put their bundles in the target's bucket).
   * @default a name CloudFormation generates
   */
  readonly bucketName?: string;
  /**
   * Days a replaced or deleted object version is kept before it expires.
   * @default 30
   */
  readonly noncurrentVersionDays?: number;
  /**
   * Days the server access logs of the bucket are kept.
   * @default 365
   */
  readonly accessLogDays?: number;
}

/**
 * The region's bucket for tenant exports and imports: tenant data, so it stays in the region, is encrypted,
 * reachable only over TLS, never public, versioned, retained when the stack goes, and its access is logged to a
 * second bucket.
 */
export class ExportBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ExportBucketProps = {}) {
    super(scope, id);
    const secure = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    } as const;

    this.accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      ...secure,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogDays ?? 365) }],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket receives the export bucket server access logs; logging it would log the logging',
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...secure,
      ...(props.bucketName ? { bucketName: props.bucketName } : {}),
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'exports/',
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 30) },
        { abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
    });
  }
}
