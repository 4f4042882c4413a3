/**
 * cognito-local depends on the AWS SDK v2, whose load prints an end-of-support banner nobody here can act on.
 * Imported before cognito-local so the variable is set when the SDK loads; an explicit setting wins.
 */
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE ??= '1';
