/** The names of the console's runtime settings files beside index.html, shared by the console, its servers and CDK. */

/** The console's runtime settings (API URLs, the platform-admin pool), written by whoever serves the console. */
export const CONSOLE_CONFIG_FILE = 'config.json';

/**
 * The platform-admin pool's sign-in settings, in AWS: the control plane writes them beside the home region's console
 * (it owns the pool and deploys after the region stack that writes config.json).
 */
export const PLATFORM_ADMIN_SETTINGS_FILE = 'platform-admin.json';
