import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApiClient, fetchHonouringRetryAfter } from '../../../local/api-client/api-client';

/**
 * The CLI's API client waits out the platform's 429s: it sends the request again after the Retry-After the answer
 * names, a bounded number of times, and returns every other answer (or the last 429) as it is.
 */
let server: Server;
let baseUrl: string;
let refusals = 0;
const received: { method: string; body: string; authorization?: string }[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push({ method: request.method ?? '', body, authorization: request.headers.authorization });
      if (refusals > 0) {
        refusals -= 1;
        response.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': '2' });
        response.end(JSON.stringify({ type: 'about:blank', title: 'rate-limited', status: 429, code: 'rate-limited' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ items: [], echo: body }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  received.length = 0;
});

describe('API client retries after 429', () => {
  it('sends the request again, body and token included, after the Retry-After of each 429', async () => {
    // Prepare
    refusals = 2;
    const waits: number[] = [];
    const api = createApiClient(baseUrl, async () => 'token-1', { retries: 4, maxWaitSeconds: 10, sleep: async (ms) => void waits.push(ms) });

    // Act
    const result = await api.POST('/v1/tenants/{tenantId}/agents', { params: { path: { tenantId: 't-1' } }, body: { name: 'a', modelId: 'm' } });

    // Assess
    expect(result.response.status).toBe(200);
    expect(waits).toEqual([2_000, 2_000]);
    expect(received).toHaveLength(3);
    expect(new Set(received.map((r) => `${r.method} ${r.body} ${r.authorization}`))).toEqual(new Set(['POST {"name":"a","modelId":"m"} Bearer token-1']));
  });

  it('returns the last 429 once its retries are spent, and caps each wait', async () => {
    // Prepare
    refusals = 10;
    const waits: number[] = [];
    const send = fetchHonouringRetryAfter({ retries: 2, maxWaitSeconds: 1, sleep: async (ms) => void waits.push(ms) });

    // Act
    const response = await send(new Request(`${baseUrl}/v1/tenants`));

    // Assess
    expect(response.status).toBe(429);
    expect(waits).toEqual([1_000, 1_000]);
    expect(received).toHaveLength(3);
  });

  it('returns any other answer at once', async () => {
    // Prepare
    refusals = 0;
    const waits: number[] = [];
    const send = fetchHonouringRetryAfter({ retries: 4, maxWaitSeconds: 10, sleep: async (ms) => void waits.push(ms) });

    // Act
    const response = await send(new Request(`${baseUrl}/v1/tenants`));

    // Assess
    expect(response.status).toBe(200);
    expect(waits).toEqual([]);
    expect(received).toHaveLength(1);
  });
});
