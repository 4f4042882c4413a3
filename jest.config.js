/**
 * Jest projects. `unit` needs nothing running; `integration` shares one DynamoDB Local and one cognito-local,
 * started by its global setup and stopped by PID in its teardown; `infra` synthesizes the CDK app.
 */
const swc = ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }];
// Middy, fauxqs (the local SQS emulator) and jose (since its 6th major) are ESM-only: map Middy and fauxqs to their
// files, and let swc compile all three to CommonJS like our own code.
const base = {
  transform: { '^.+\\.(ts|js)$': swc },
  transformIgnorePatterns: ['/node_modules/(?!@middy/|fauxqs/|jose/)'],
  moduleNameMapper: { '^@middy/([^/]+)$': '<rootDir>/node_modules/@middy/$1/index.js', '^fauxqs$': '<rootDir>/node_modules/fauxqs/dist/app.js' },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  setupFiles: ['<rootDir>/test/support/function-output.setup.ts'],
};

// Test workers inherit this: the SDK v3's notice that later releases need Node.js 22 says nothing about the tests.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** @type {import('jest').Config} */
module.exports = {
  // One test file at a time (timing-sensitive files, such as throttling, presigned-link expiry and the browser
  // journeys, stay reliable on a two-core machine), but in a worker process that is replaced once its heap grew past
  // the limit: in one long-lived process the heap reached 816 MB and later files slowed down (the fair-share property
  // took 56 s there and 4 s alone). Setting the limit is what keeps jest from running the files in its own process.
  maxWorkers: 1,
  workerIdleMemoryLimit: '512MB',
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/test/unit/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/temp-root.setup.ts',
      globalTeardown: '<rootDir>/test/support/temp-root.teardown.ts',
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/emulators.setup.ts',
      globalTeardown: '<rootDir>/test/support/emulators.teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.setup.ts'],
    },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/temp-root.setup.ts',
      globalTeardown: '<rootDir>/test/support/temp-root.teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/support/slow-tests.setup.ts'],
    },
  ],
};
