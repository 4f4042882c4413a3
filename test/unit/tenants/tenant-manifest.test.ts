import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadManifests, ManifestError, parseManifest, writeManifest } from '../../../functions/tenants/tenant-manifest.loader';
import type { TenantManifestInput } from '../../../functions/tenants/tenant-manifest.schema';
import { DEMO_TENANTS } from '../../../local/seed';

const TENANTS_DIR = join(__dirname, '..', '..', '..', 'tenants');

function valid(overrides: Record<string, unknown> = {}): TenantManifestInput {
  return {
    id: 'initech',
    slug: 'initech',
    name: 'Initech',
    plan: 'free',
    homeRegion: 'eu-central-1',
    admins: ['bill@initech.example'],
    ...overrides,
  } as TenantManifestInput;
}

function problemsOf(work: () => unknown) {
  try {
    work();
  } catch (error) {
    if (error instanceof ManifestError) return error.problems.map(({ file, field }) => `${file}: ${field}`);
    throw error;
  }
  throw new Error('expected a ManifestError');
}

describe('tenant manifests', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'manifests-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the demo manifests, which describe the tenants the local seed creates', () => {
    // Act
    const manifests = loadManifests(TENANTS_DIR);

    // Assess
    expect(manifests.map((m) => m.slug)).toEqual(['acme', 'globex']);
    for (const seeded of DEMO_TENANTS) {
      const manifest = manifests.find((m) => m.id === seeded.tenantId);
      expect(manifest).toEqual(
        expect.objectContaining({
          slug: seeded.slug,
          name: seeded.name,
          plan: seeded.plan,
          homeRegion: seeded.region,
          emailDomains: seeded.emailDomains,
          admins: [seeded.adminEmail],
          branding: seeded.branding,
        }),
      );
    }
  });

  it('applies defaults: no SSO, optional MFA, no branding', () => {
    // Act
    const manifest = parseManifest(valid(), 'initech.json');

    // Assess
    expect(manifest).toEqual(expect.objectContaining({ sso: { saml: [], oidc: [] }, mfa: 'OPTIONAL', branding: {}, emailDomains: [], settings: {} }));
  });

  it('accepts SAML by metadata URL or file and OIDC with a secret reference', () => {
    // Act
    const manifest = parseManifest(
      valid({
        sso: {
          saml: [
            { name: 'Okta', metadataUrl: 'https://initech.okta.example/app/sso/saml/metadata' },
            { name: 'ADFS', metadataFile: 'initech.adfs.xml', identifiers: ['Initech.Example'] },
          ],
          oidc: [{ name: 'Google', issuer: 'https://accounts.google.com', clientId: 'abc', clientSecretRef: 'tenants/initech/google' }],
        },
      }),
      'initech.json',
    );

    // Assess
    expect(manifest.sso.saml[1].identifiers).toEqual(['initech.example']);
    expect(manifest.sso.oidc[0]).toEqual(expect.objectContaining({ scopes: ['openid', 'email', 'profile'], attributeMapping: { email: 'email' } }));
  });

  it('maps SSO groups to tenant roles, members by default', () => {
    // Act
    const manifest = parseManifest(
      valid({ sso: { roleMapping: { attribute: 'custom:groups', groups: { 'Initech Admins': 'tenant-admin' } } } }),
      'initech.json',
    );

    // Assess
    expect(manifest.sso.roleMapping).toEqual({ attribute: 'custom:groups', groups: { 'Initech Admins': 'tenant-admin' }, default: 'member' });
  });

  it.each([
    ['a missing admin list', { admins: [] }, 'admins'],
    ['an unknown plan', { plan: 'gold' }, 'plan'],
    ['a region that is no region', { homeRegion: 'europe' }, 'homeRegion'],
    ['an unknown field', { colour: 'red' }, '(root)'],
    [
      'SAML with both metadata sources',
      { sso: { saml: [{ name: 'x', metadataUrl: 'https://a.example/m', metadataFile: 'm.xml' }] } },
      'sso.saml[0].metadataUrl',
    ],
    ['SAML with neither metadata source', { sso: { saml: [{ name: 'x' }] } }, 'sso.saml[0].metadataUrl'],
    ['an OIDC issuer over http', { sso: { oidc: [{ name: 'x', issuer: 'http://idp.example', clientId: 'c', clientSecretRef: 's' }] } }, 'sso.oidc[0].issuer'],
    [
      'an OIDC secret given inline',
      { sso: { oidc: [{ name: 'x', issuer: 'https://idp.example', clientId: 'c', clientSecretRef: 'has spaces in it' }] } },
      'sso.oidc[0].clientSecretRef',
    ],
    [
      'two providers of one name',
      {
        sso: {
          saml: [{ name: 'corp', metadataUrl: 'https://a.example/m' }],
          oidc: [{ name: 'Corp', issuer: 'https://idp.example', clientId: 'c', clientSecretRef: 's' }],
        },
      },
      'sso.oidc[0].name',
    ],
    ['a bad branding colour', { branding: { primaryColor: 'red' } }, 'branding.primaryColor'],
    ['SSO groups read from a standard attribute', { sso: { roleMapping: { attribute: 'email', groups: {} } } }, 'sso.roleMapping.attribute'],
    ['an SSO group mapped to no tenant role', { sso: { roleMapping: { groups: { Ops: 'platform-admin' } } } }, 'sso.roleMapping.groups.Ops'],
  ])('names the file and the field of %s', (_case, overrides, field) => {
    // Prepare
    writeFileSync(join(dir, 'initech.json'), JSON.stringify(valid(overrides)));

    // Act
    const problems = problemsOf(() => loadManifests(dir, 'tenants'));

    // Assess
    expect(problems).toContain(`tenants/initech.json: ${field}`);
  });

  it('reports every bad file at once, unreadable JSON and misnamed files included', () => {
    // Prepare
    writeFileSync(join(dir, 'broken.json'), '{ "id": ');
    writeFileSync(join(dir, 'wrong-name.json'), JSON.stringify(valid()));
    writeFileSync(join(dir, 'other.json'), JSON.stringify(valid({ slug: 'other', plan: 'gold' })));

    // Act
    const problems = problemsOf(() => loadManifests(dir, 'tenants'));

    // Assess
    expect(problems).toEqual(['tenants/broken.json: (root)', 'tenants/other.json: plan', 'tenants/wrong-name.json: slug']);
  });

  it('refuses two manifests with the same tenant id', () => {
    // Prepare
    writeFileSync(join(dir, 'initech.json'), JSON.stringify(valid()));
    writeFileSync(join(dir, 'initrode.json'), JSON.stringify(valid({ slug: 'initrode' })));

    // Act
    const problems = problemsOf(() => loadManifests(dir, 'tenants'));

    // Assess
    expect(problems).toEqual(['tenants/initrode.json: id']);
  });

  it('writes a manifest that loads back, and never overwrites one unasked', () => {
    // Act
    const path = writeManifest(dir, valid());

    // Assess
    expect(path).toBe(join(dir, 'initech.json'));
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(valid());
    expect(loadManifests(dir).map((m) => m.id)).toEqual(['initech']);
    expect(() => writeManifest(dir, valid())).toThrow(ManifestError);
    expect(() => writeManifest(dir, valid({ name: 'Initech 2' }), { overwrite: true })).not.toThrow();
  });
});
