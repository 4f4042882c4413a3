import { createHash } from 'node:crypto';
import { INVOICE_DOCUMENT_STYLE } from '../functions/billing/invoice.document';

/**
 * The printable invoice's inline style sheet, allowed by its hash: the console opens the document (fetched with the
 * bearer token) as a blob, and a blob document keeps the policy of the page that made it.
 */
const INVOICE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(INVOICE_DOCUMENT_STYLE).digest('base64')}'`;

/**
 * The console's security headers, one list for both places that serve it: the local gateway and the CloudFront
 * response headers policy of the region stack. `connect-src` names only the console's own origin here; each server
 * adds the API and user-pool origins it knows.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  `style-src 'self' ${INVOICE_STYLE_SOURCE}`,
  "img-src 'self' https: data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
].join('; ');

export const CONSOLE_SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'strict-origin-when-cross-origin',
} as const;

/** The content security policy with more origins the console may call. */
export function consoleContentSecurityPolicy(connectOrigins: readonly string[]): string {
  return CONSOLE_CONTENT_SECURITY_POLICY.replace("connect-src 'self'", ["connect-src 'self'", ...new Set(connectOrigins)].join(' '));
}
