import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/source-paths';
import { buildFixture, templateOf } from './support/platform-fixture';

/** Every alarm the platform synthesizes has a runbook section: its construct id, or its family (`Throttles-*`). */
const runbooks = readFileSync(join(REPO_ROOT, 'docs', 'runbooks.md'), 'utf8');
const sections = new Set([...runbooks.matchAll(/^### (\S+)$/gm)].map((match) => match[1]));

describe('runbooks (docs/runbooks.md)', () => {
  const fixture = buildFixture({ tenants: { manifests: [], dir: '.', label: 'none' } });
  const stacks = [...fixture.stacks.regions.values(), fixture.stacks.controlPlane];

  it.each(stacks.map((stack) => [stack.stackName, stack] as const))('%s: every alarm has a runbook section', (_, stack) => {
    // Prepare
    const { json } = templateOf(stack);
    const alarms = Object.values(json.Resources)
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => {
        const path = (resource.Metadata as Record<string, string>)['aws:cdk:path'].split('/');
        return path[path.length - 2];
      });

    // Act
    const missing = alarms.filter((id) => !sections.has(id) && !sections.has(`${id.split('-')[0]}-*`));

    // Assess
    expect(alarms.length).toBeGreaterThan(0);
    expect(missing).toEqual([]);
  });
});
