import type { Branding } from './auth';

const DEFAULT_COLOR = '#343a40';

/** Puts a tenant's colour and name on the page (the header and the login page read the CSS variable). */
export function applyBranding(branding: Branding | undefined, fallbackName?: string): void {
  const root = document.documentElement;
  root.style.setProperty('--brand', branding?.primaryColor ?? DEFAULT_COLOR);
  root.dataset.tenant = fallbackName ?? '';
  document.title = `${branding?.displayName ?? fallbackName ?? 'Agent platform'} console`;
}
