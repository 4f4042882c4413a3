import { Match } from 'aws-cdk-lib/assertions';
import { PlatformNames } from '../../lib/naming';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';

const fixture = buildFixture();
const [region, regionStack] = [...fixture.stacks.regions.entries()][0];
const { template, json } = templateOf(regionStack);
const names = new PlatformNames(CONFIG.stage);

describe('the web console in each region', () => {
  it('serves a private bucket through CloudFront with origin access control, HTTPS only', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'bucket/' }),
    });
    template.resourceCountIs('AWS::CloudFront::OriginAccessControl', 1);
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
        Origins: [Match.objectLike({ OriginAccessControlId: Match.anyValue(), S3OriginConfig: { OriginAccessIdentity: '' } })],
        CustomErrorResponses: [
          { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 },
          { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 },
        ],
      }),
    });
    // Only the distribution may read the bucket.
    const consoleBucket = logicalIdOf(regionStack.console!.bucket);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: consoleBucket },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Condition: Match.objectLike({ StringEquals: Match.anyValue() }),
          }),
        ]),
      },
    });
  });

  it('answers with the security headers', () => {
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          ContentSecurityPolicy: Match.objectLike({ Override: true }),
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 63072000, IncludeSubdomains: true }),
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        }),
      }),
    });
    const policy = Object.values(json.Resources).find((r) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!;
    const csp = JSON.stringify((policy.Properties as any).ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`https://*.auth.${region}.amazoncognito.com`);
  });

  it("puts the console's URL in the API's CORS origins and publishes it for the app clients", () => {
    const distribution = logicalIdOf(regionStack.console!.distribution);
    const origins = Object.values(json.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => JSON.stringify((r.Properties as any).Environment?.Variables?.CORS_ALLOWED_ORIGINS ?? null));
    expect(origins.filter((value) => value.includes(distribution) && value.includes('DomainName')).length).toBeGreaterThan(0);
    const preflights = Object.values(json.Resources).filter((r) => r.Type === 'AWS::ApiGateway::Method' && (r.Properties as any).HttpMethod === 'OPTIONS');
    expect(preflights.length).toBeGreaterThan(0);
    expect(JSON.stringify(preflights[0].Properties)).toContain(distribution);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: names.consoleUrlParameter,
      Value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distribution, 'DomainName'] }]] },
    });
  });

  it("puts the console's URL in the callback and logout URLs of the platform-admin and tenant app clients", () => {
    for (const stack of [fixture.stacks.controlPlane, ...fixture.stacks.tenants.values()]) {
      const client = Object.values(templateOf(stack).json.Resources).find((r) => r.Type === 'AWS::Cognito::UserPoolClient')!;
      const props = client.Properties as any;
      const parameters = (templateOf(stack).json as any).Parameters ?? {};
      const consoleParameter = Object.entries(parameters).find(([, p]: [string, any]) => p.Default === names.consoleUrlParameter)?.[0];
      expect(consoleParameter).toBeDefined();
      expect(props.CallbackURLs).toContainEqual({ 'Fn::Join': ['', [{ Ref: consoleParameter }, '/auth/callback']] });
      expect(props.LogoutURLs).toContainEqual({ 'Fn::Join': ['', [{ Ref: consoleParameter }, '/']] });
    }
  });

  it('uploads the built console and its config.json, keeping the platform-admin settings the control plane writes', () => {
    template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: logicalIdOf(regionStack.console!.bucket) },
      DistributionPaths: ['/index.html', '/config.json'],
      Exclude: ['platform-admin.json'],
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: names.consoleBucketParameter,
      Value: { Ref: logicalIdOf(regionStack.console!.bucket) },
    });
  });

  it("writes the platform-admin pool's client id and hosted UI beside the home region's console, for admins' sign-in", () => {
    // Prepare
    const controlPlane = templateOf(fixture.stacks.controlPlane);
    const parameters = (controlPlane.json as any).Parameters ?? {};
    const bucketParameter = Object.entries(parameters).find(([, p]: [string, any]) => p.Default === names.consoleBucketParameter)?.[0];
    const { adminAuth } = fixture.stacks.controlPlane;

    // Assess: into the bucket the home region publishes, beside the console's files (no prune), never cached long
    expect(bucketParameter).toBeDefined();
    controlPlane.template.hasResourceProperties('Custom::CDKBucketDeployment', {
      DestinationBucketName: { Ref: bucketParameter },
      Prune: false,
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    // Source.jsonData fills the deploy-time values in the uploaded file: the admin client and the hosted UI domain.
    const deployment = Object.values(controlPlane.json.Resources).find((r) => r.Type === 'Custom::CDKBucketDeployment')!;
    const markers = JSON.stringify((deployment.Properties as any).SourceMarkers);
    expect(markers).toContain(logicalIdOf(adminAuth.client));
    expect(markers).toContain(logicalIdOf(adminAuth.domain));
  });
});
