import * as fs from 'node:fs';
import * as path from 'node:path';
import { LAMBDA_RUNTIME } from '../../lib/constructs/platform-function';
import { REPO_ROOT } from '../../lib/source-paths';

describe('runtime', () => {
  const major = (version: string) => Number(/(\d+)/.exec(version)?.[1]);

  it('runs the tests on the Node.js major of the Lambda runtime, which the project installs itself', () => {
    // Prepare
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

    // Assess
    expect(major(LAMBDA_RUNTIME.name)).toBe(22);
    expect(major(pkg.devDependencies.node)).toBe(major(LAMBDA_RUNTIME.name));
    expect(major(process.versions.node)).toBe(major(LAMBDA_RUNTIME.name));
  });
});
