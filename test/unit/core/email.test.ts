import fc from 'fast-check';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EMAIL_DOMAIN, emailAddressSchema } from '../../../functions/core/email';
import { emailDomainSchema } from '../../../functions/tenants/tenant-manifest.schema';

/**
 * Every email address the API takes is one its OpenAPI document promises (`format: email`, as a standard JSON Schema
 * validator reads it): a client that validates against the document never sees the API accept an address the document
 * calls invalid. The API is the stricter of the two (it refuses `!` or `#` in the local part, which the format allows).
 */
const ajv = new Ajv2020();
addFormats(ajv);
const documentEmail = ajv.compile({ type: 'string', format: 'email' });
const accepts = (address: string) => emailAddressSchema().safeParse(address).success;

/** Addresses near the edges: a small alphabet with the characters that separate and join the parts. */
const nearAddress = fc
  .tuple(
    fc.string({ unit: fc.constantFrom('a', 'Z', '0', '_', "'", '+', '-', '.', '!'), maxLength: 6 }),
    fc.string({ unit: fc.constantFrom('a', 'b', '9', '-', '.'), maxLength: 10 }),
    fc.constantFrom('', '.io', '.com', '.a', '.c0m', '-.de'),
  )
  .map(([local, domain, tld]) => `${local}@${domain}${tld}`);

describe('email addresses', () => {
  it('accepts only what the document format accepts, with a domain an email domain may be', () => {
    fc.assert(
      fc.property(fc.oneof(fc.emailAddress(), nearAddress), (address) => {
        if (!accepts(address)) return;
        expect(documentEmail(address)).toBe(true);
        expect(EMAIL_DOMAIN.test(address.split('@')[1])).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it.each(['a@b-.com', 'a@-b.com', '_@a-.a.aa', 'a@b', '.a@b.com', 'a.@b.com', 'a..b@c.de', 'a@b.c', 'a b@c.de', `a@${'b'.repeat(64)}.com`])(
    'refuses %s',
    (address) => {
      expect(accepts(address)).toBe(false);
    },
  );

  it.each(["o'neil@x.io", 'A.B+c@Sub.Example.COM', 'first.last@mail.example.co.uk', 'x_1-2@a-b.c-d.org'])('accepts %s', (address) => {
    expect(accepts(address)).toBe(true);
    expect(documentEmail(address)).toBe(true);
  });

  it('reads an email domain by the same rule as the domain of an address', () => {
    fc.assert(
      fc.property(fc.oneof(fc.domain(), fc.string({ unit: fc.constantFrom('a', '9', '-', '.'), maxLength: 12 })), (domain) => {
        expect(emailDomainSchema.safeParse(domain).success).toBe(domain.length >= 4 && accepts(`x@${domain}`));
      }),
    );
  });
});
