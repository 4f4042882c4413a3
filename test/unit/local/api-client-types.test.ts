import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The typed client's types are generated from the API document: a route or schema change without `npm run api:types` fails here. */
const ROOT = join(__dirname, '..', '..', '..');
const bin = (name: string) => join(ROOT, 'node_modules', '.bin', name);

describe('generated API client types', () => {
  it('are those openapi-typescript makes from the current OpenAPI document', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'api-types-'));
    try {
      const document = join(dir, 'openapi.json');
      const types = join(dir, 'api-schema.d.ts');

      // Act
      expect(spawnSync(bin('tsx'), ['scripts/write-openapi.ts', document], { cwd: ROOT }).status).toBe(0);
      expect(spawnSync(bin('openapi-typescript'), [document, '--default-non-nullable', 'false', '-o', types], { cwd: ROOT }).status).toBe(0);

      // Assess
      expect(readFileSync(types, 'utf8')).toBe(readFileSync(join(ROOT, 'local', 'api-client', 'api-schema.d.ts'), 'utf8'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
