import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
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
  /**
   * Roles of other accounts that read the manifests (the fleet pipeline's synth role when the pipeline lives in
   * another account): the bucket policy lets exactly these roles list the prefix and read its objects.
   * @default none: only this account's principals, by their own policies
   */
  readonly readers?: readonly ManifestStoreReader[];
}

/** A role of another account that reads the store. */
export interface ManifestStoreReader {
  readonly account: string;
  readonly roleName: string;
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
    for (const reader of props.readers ?? []) this.grantRead(reader);
  }

  /**
   * Cross-account reads need both sides: the reader's own policy (the pipeline grants its synth role) and this
   * bucket policy. The principal is the reader's account, narrowed to the one role by `aws:PrincipalArn`, so the
   * policy stays valid when the role is replaced (S3 keeps a role principal as the unique id of the role it named).
   */
  private grantRead(reader: ManifestStoreReader): void {
    if (!/^\d{12}$/.test(reader.account))
      throw new Error(`${this.node.path}: a manifest reader's account must be a 12-digit account id, got ${reader.account}`);
    const principal = new iam.AccountPrincipal(reader.account);
    const onlyThatRole = { ArnEquals: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${reader.account}:role/${reader.roleName}` } };
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `ListManifests${reader.account}`,
        principals: [principal],
        actions: ['s3:ListBucket'],
        resources: [this.bucket.bucketArn],
        conditions: { ...onlyThatRole, StringLike: { 's3:prefix': [`${MANIFEST_STORE_PREFIX}*`] } },
      }),
    );
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: `ReadManifests${reader.account}`,
        principals: [principal],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${MANIFEST_STORE_PREFIX}*`)],
        conditions: onlyThatRole,
      }),
    );
  }
}
