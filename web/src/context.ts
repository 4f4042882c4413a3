import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { ACCESS, isAllowed, type Role } from '../../functions/core/roles';
import type { Api } from './api';
import type { Session } from './auth';
import type { ConsoleConfig } from './config';

/** The access rules of the route table, by name: the console shows what the API would allow, nothing more. */
export type AccessRule = keyof typeof ACCESS;

/** A tenant a platform admin acts on: the banner says so, and the API writes each access to its audit log. */
export interface ActingTenant {
  readonly tenantId: string;
  readonly name: string;
  readonly apiUrl: string;
}

export interface ConsoleContext {
  readonly config: ConsoleConfig;
  readonly session: Session;
  /** The API of the tenant the pages work on (the platform admin's home API when none). */
  readonly api: Api;
  /** The tenant the pages work on: the user's own, or the one a platform admin acts on. */
  readonly tenantId: string | undefined;
  readonly acting: ActingTenant | undefined;
  actOn(tenant: ActingTenant | undefined): void;
  can(rule: AccessRule): boolean;
}

export const Console = createContext<ConsoleContext | undefined>(undefined);

export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside the signed-in shell');
  return value;
}

export function allows(rule: AccessRule, roles: readonly string[]): boolean {
  return isAllowed(ACCESS[rule], roles as readonly Role[]);
}

/** `#/path?query` → path and query. */
export function currentRoute(): { path: string; query: URLSearchParams } {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path: path || '/', query: new URLSearchParams(query) };
}

export function navigate(path: string): void {
  location.hash = `#${path}`;
}
