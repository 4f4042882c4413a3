import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Key prefix of the manifests in the store: `tenants/<slug>.json`, the layout of the repository's `tenants/`. */
export const MANIFEST_STORE_PREFIX = 'tenants/';

export interface ManifestStoreProps {
  /** The bucket's name: fixed (lib/naming.ts), so the fleet pipeline finds it without a reference. */
  readonly bucketName: string;
  /**
   * Days a replaced or deleted manifest version is kept (the history of a tenant's manifests).
   * @default 365
   */
  readonly noncurrentVersionDays?: number;
}

/**
 * The manifests of the tenants onboarded through the API. The onboarding build writes a tenant's manifest here once
 * its stack is deployed and removes it before an offboarded tenant's stack is deleted; the fleet pipeline syncs the
 * prefix into `tenants/` before it synthesizes, so every fleet deployment reaches every tenant. Encrypted, TLS only,
 * never public, versioned, retained with the stack (losing it would silently leave tenants out of deployments).
 */
export class ManifestStore extends Construct {
  readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ManifestStoreProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays ?? 365) }],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Written only by the onboarding build and read only by the fleet pipeline, both logged by CloudTrail and CodeBuild; every change is kept as an object version',
    });
  }
}
