import * as z from './zod';

/**
 * A domain name as mail is sent to: labels of letters, digits and inner hyphens (at most 63 characters each, never
 * starting or ending with a hyphen) and a top-level domain of letters.
 */
const DOMAIN_NAME = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}';

/** An email domain such as `example.com` (the part after `@`), at most 253 characters. */
export const EMAIL_DOMAIN = new RegExp(`^(?=.{4,253}$)${DOMAIN_NAME}$`);

/**
 * An email address: zod's own local part (dot-separated atoms of letters, digits, `_`, `'`, `+` and `-`) at a domain
 * name as above. zod's default also takes a label that ends with a hyphen (`a@b-.com`), which no mail reaches and
 * which JSON Schema's `format: email` refuses; the OpenAPI document promises that format.
 */
export const EMAIL_ADDRESS = new RegExp(`^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@${DOMAIN_NAME}$`);

/** An email address of at most 320 characters (RFC 5321's 64 + 1 + 255). */
export function emailAddressSchema() {
  return z.email({ pattern: EMAIL_ADDRESS }).check(z.maxLength(320));
}
