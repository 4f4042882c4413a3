import * as fs from 'node:fs';
import * as path from 'node:path';
import { REGION_FUNCTION_NAMES } from '../../lib/stacks/region-stack';
import { buildFixture, CONFIG, logicalIdOf, templateOf } from './support/platform-fixture';

/**
 * The other infra tests deploy stub code; this one bundles the real entries once, as `cdk synth` does, and checks
 * what lands in each function's asset.
 */
describe('function bundles', () => {
  // One region is enough: every region bundles the same entries.
  const fixture = buildFixture({ bundle: true, config: { ...CONFIG, regions: [CONFIG.homeRegion] } });
  const stack = fixture.stacks.regions.get(CONFIG.homeRegion)!;
  const { json } = templateOf(stack);

  it.each(REGION_FUNCTION_NAMES)(
    'bundles functions/api/%s.ts minified, with a source map, as index.js exporting handler',
    (name) => {
      // Prepare
      const code = json.Resources[logicalIdOf(stack.functions[name].function)].Properties!.Code;
      const assetDir = path.join(fixture.outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);

      // Act
      const bundle = fs.readFileSync(path.join(assetDir, 'index.js'), 'utf8');
      const sourceMap = JSON.parse(fs.readFileSync(path.join(assetDir, 'index.js.map'), 'utf8'));

      // Assess
      // Minified: long lines (template literals keep their line breaks, so lines are counted, not forbidden).
      expect(bundle.length / bundle.split('\n').length).toBeGreaterThan(1000);
      expect(bundle).toMatch(/sourceMappingURL=index\.js\.map/);
      expect(bundle).toMatch(/handler/);
      expect(sourceMap.sources).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`functions/api/${name}\\.ts$`))]));
      // The AWS SDK v3 comes with the Node.js runtime and stays out of the bundle.
      expect(sourceMap.sources.some((source: string) => source.includes('node_modules/@aws-sdk/'))).toBe(false);
    },
  );
});
