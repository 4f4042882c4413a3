/**
 * Banners of the AWS SDKs that nobody running the local platform can act on: cognito-local depends on the SDK v2,
 * whose load prints its end-of-support notice, and the SDK v3 warns on Node.js 20 that later releases will need 22
 * (Lambda runs 22). Imported first by the local entry points, so the variables are set before any SDK loads; an
 * explicit setting wins.
 */
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
