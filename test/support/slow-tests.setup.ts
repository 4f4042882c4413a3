// Per-project `testTimeout` is not honoured by jest's projects: integration and CDK tests set theirs here.
jest.setTimeout(120_000);
