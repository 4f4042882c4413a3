import {
  cognitoDomainPrefixProblem,
  DEFAULT_REGIONS,
  defaultAuthDomainPrefix,
  parsePlatformConfig,
  PLACEHOLDER_MAIL_FROM,
  PlatformConfigError,
} from '../../lib/config';
import { CDK_CONTEXT } from './support/platform-fixture';

describe('platform config (CDK context `platform`)', () => {
  it('defaults to dev in eu-central-1 and us-east-1, homed in eu-central-1', () => {
    expect(parsePlatformConfig(undefined)).toEqual({
      stage: 'dev',
      homeRegion: 'eu-central-1',
      regions: [...DEFAULT_REGIONS],
      console: { callbackUrls: ['http://localhost:3000/auth/callback'], logoutUrls: ['http://localhost:3000/'] },
      authDomainPrefix: defaultAuthDomainPrefix(undefined, 'dev'),
      mail: { from: PLACEHOLDER_MAIL_FROM, identity: 'domain' },
      alarmEmails: [],
      bootstrapQualifier: 'hnb659fds',
    });
  });

  it('refuses an alarm e-mail that is not an address, naming it', () => {
    expect(() => parsePlatformConfig({ alarmEmails: ['ops@platform.example', 'not-an-address'] })).toThrow(/alarmEmails/);
  });

  it('reads the configuration of cdk.json', () => {
    const config = parsePlatformConfig(CDK_CONTEXT.platform);
    expect(config.regions).toEqual(expect.arrayContaining(['eu-central-1', 'us-east-1']));
  });

  it('accepts a JSON string, as given with -c platform=...', () => {
    const config = parsePlatformConfig('{"stage":"prod","homeRegion":"us-east-1","regions":["us-east-1","eu-central-1"],"account":"123456789012"}');
    expect(config).toMatchObject({ stage: 'prod', homeRegion: 'us-east-1', account: '123456789012' });
  });

  it.each([
    [{ stage: 'Prod!' }, /stage .*"Prod!"/],
    [{ regions: ['eu-central-1', 'mars-north-1x'] }, /regions\.1 .*"mars-north-1x"/],
    [{ regions: [] }, /regions must name at least one residency region/],
    [{ regions: ['eu-central-1', 'eu-central-1'] }, /regions must not name a region twice/],
    [{ homeRegion: 'eu-west-1' }, /homeRegion must be one of the residency regions.*"eu-west-1"/],
    [{ account: '12345' }, /account must be a 12-digit AWS account id \(got "12345"\)/],
    [{ regionEndpoints: { 'eu-central-1': 'http://api.example.com' } }, /regionEndpoints\.eu-central-1 .*"http:\/\/api\.example\.com"/],
    [{ regionEndpoints: { 'eu-west-1': 'https://eu.example.com' } }, /regionEndpoints\.eu-west-1 names a region that is not a residency region/],
    [{ stages: 'dev' }, /platform Unrecognized key.*"stages"/],
    [{ console: { callbackUrls: ['http://console.example.com/cb'] } }, /console\.callbackUrls\.0 must be an https URL \(http only for localhost\)/],
    [{ console: { callbackUrls: [] } }, /console\.callbackUrls must name at least one callback URL/],
    [{ authDomainPrefix: 'my-aws-platform' }, /authDomainPrefix must not contain aws, amazon or cognito/],
    [{ authDomainPrefix: 'Agent' }, /authDomainPrefix must be 1-42 lower-case letters/],
    [{ mail: { from: 'not-an-address' } }, /mail\.from must be an e-mail address/],
    [{ mail: { from: 'no-reply@example.com', identity: 'dns' } }, /mail\.identity/],
    [{ mail: { from: 'no-reply@example.com', hostedZone: { id: 'nope', name: 'example.com' } } }, /mail\.hostedZone\.id must be a Route 53 hosted zone id/],
  ])('fails fast on %j, naming the bad value', (raw, message) => {
    expect(() => parsePlatformConfig(raw)).toThrow(PlatformConfigError);
    expect(() => parsePlatformConfig(raw)).toThrow(message);
  });

  describe('hosted UI domain prefixes (global per region across all AWS accounts)', () => {
    it('are unique by default: derived from account and stage, different for another account or stage', () => {
      // Act
      const prefix = (raw: object, defaultAccount?: string) => parsePlatformConfig(raw, { defaultAccount }).authDomainPrefix;

      // Assess
      const mine = prefix({ stage: 'prod', account: '111111111111' });
      expect(mine).toMatch(/^ap-[0-9a-f]{10}$/);
      expect(prefix({ stage: 'prod', account: '111111111111' })).toBe(mine);
      expect(prefix({ stage: 'prod' }, '111111111111')).toBe(mine);
      expect(prefix({ stage: 'prod', account: '222222222222' })).not.toBe(mine);
      expect(prefix({ stage: 'dev', account: '111111111111' })).not.toBe(mine);
      expect(prefix({ stage: 'prod', account: '111111111111', authDomainPrefix: 'acme-agents' })).toBe('acme-agents');
    });

    it('hold to Cognito rules: 63 characters, lower-case letters, digits and inner dashes, no reserved words', () => {
      expect(cognitoDomainPrefixProblem('ap-0123456789-dev-acme')).toBeUndefined();
      expect(cognitoDomainPrefixProblem('a'.repeat(64))).toMatch(/longer than Cognito's 63 characters/);
      expect(cognitoDomainPrefixProblem('ap-dev-Acme')).toMatch(/lower-case letters, digits and inner dashes/);
      expect(cognitoDomainPrefixProblem('ap-dev-acme-')).toMatch(/lower-case letters, digits and inner dashes/);
      expect(cognitoDomainPrefixProblem('ap-dev-amazonia')).toMatch(/reserves/);
    });
  });

  it('fails on a context value that is not JSON', () => {
    expect(() => parsePlatformConfig('{stage:')).toThrow(/is not JSON: \{stage:/);
  });
});
