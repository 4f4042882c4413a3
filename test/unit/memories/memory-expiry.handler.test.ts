import { parseRuntimeConfig } from '../../../functions/api/runtime-config';
import { createHandler } from '../../../functions/api/memory-expiry';

describe('memory-expiry stream consumer', () => {
  it('starts with the tenant data role alone: no platform role, no cursor secret (least privilege in lib/)', async () => {
    // Prepare
    const config = parseRuntimeConfig({
      AWS_REGION: 'eu-central-1',
      TABLE_NAME: 'table',
      TENANT_DATA_ROLE_ARN: 'arn:aws:iam::123456789012:role/tenant-data',
    });
    // Act
    const handler = createHandler(config);
    // Assess: a batch without TTL removals is a no-op that touches no data
    await expect(handler({ Records: [] })).resolves.toBeUndefined();
  });
});
