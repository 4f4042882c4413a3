import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { CONSOLE_CONFIG_FILE } from '../web/console-files';
import { CONSOLE_SECURITY_HEADERS, consoleContentSecurityPolicy } from '../web/security-headers';

/**
 * The console's static files, served on an origin of their own (the local gateway's console server), as CloudFront
 * serves the console bucket in AWS: hashed assets cached for good, index.html for every other path (the console
 * routes in the browser), `config.json` made from the running platform, and the same security headers.
 */

/** What the console reads from `config.json`: where the API and the platform-admin pool are. */
export interface ConsoleSettings {
  readonly apiUrl: string;
  readonly regions: Readonly<Record<string, string>>;
  readonly platformAdmin: { readonly clientId: string; readonly cognitoEndpoint?: string; readonly hostedUiUrl?: string };
}

export interface ConsoleSite {
  /** The built console (web/build.ts). */
  readonly dir: string;
  /** The settings, asked on each request of `config.json` (the platform admin may be provisioned later). */
  settings(endpoints: Readonly<Record<string, string>>): ConsoleSettings;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The content security policy: scripts and styles from the console itself, API and pool calls to the named origins. */
function contentSecurityPolicy(settings: ConsoleSettings): string {
  const origins = [settings.apiUrl, ...Object.values(settings.regions), settings.platformAdmin.cognitoEndpoint, settings.platformAdmin.hostedUiUrl]
    .filter((url): url is string => Boolean(url))
    .map((url) => new URL(url).origin);
  // Tenant pools share the platform admin's cognito-local endpoint.
  return consoleContentSecurityPolicy(origins);
}

/** Answers one console request; returns the status. */
export function serveConsole(site: ConsoleSite, endpoints: Readonly<Record<string, string>>, method: string, pathname: string, res: ServerResponse): number {
  const settings = site.settings(endpoints);
  const headers = { ...CONSOLE_SECURITY_HEADERS, 'content-security-policy': contentSecurityPolicy(settings) };
  const send = (status: number, type: string, body: string | Buffer, cache: string) => {
    res.writeHead(status, { ...headers, 'content-type': type, 'cache-control': cache });
    res.end(method === 'HEAD' ? '' : body);
    return status;
  };
  if (pathname === `/${CONSOLE_CONFIG_FILE}`) return send(200, TYPES['.json'], JSON.stringify(settings), 'no-store');
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = '/';
  }
  const file = normalize(join(site.dir, decoded));
  if (decoded.startsWith('/assets/') && file.startsWith(`${site.dir}${sep}`) && existsSync(file) && statSync(file).isFile()) {
    return send(200, TYPES[extname(file)] ?? 'application/octet-stream', readFileSync(file), 'public, max-age=31536000, immutable');
  }
  if (decoded.startsWith('/assets/')) return send(404, 'text/plain; charset=utf-8', 'not found', 'no-store');
  return send(200, TYPES['.html'], readFileSync(join(site.dir, 'index.html')), 'no-cache');
}
