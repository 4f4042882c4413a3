import { ExtensionSecretReader, resolveSecretEnvironment, withSecretEnvironment } from '../../../functions/core/secrets';

const ARN = 'arn:aws:secretsmanager:eu-central-1:111122223333:secret:agent-platform-dev/cursor-secret-AbCdEf';

describe('secrets by reference', () => {
  it('reads a secret through the extension with the session token, by ARN', async () => {
    // Prepare
    const calls: { url: string; token: string | null }[] = [];
    const fetchStub = (async (url: string, init?: RequestInit) => {
      calls.push({ url, token: new Headers(init?.headers).get('X-Aws-Parameters-Secrets-Token') });
      return new Response(JSON.stringify({ SecretString: 'k'.repeat(64) }), { status: 200 });
    }) as typeof fetch;
    const reader = new ExtensionSecretReader({ AWS_SESSION_TOKEN: 'session' }, fetchStub);

    // Act
    const value = await reader.read(ARN);

    // Assess
    expect(value).toBe('k'.repeat(64));
    expect(calls).toEqual([{ url: `http://localhost:2773/secretsmanager/get?secretId=${encodeURIComponent(ARN)}`, token: 'session' }]);
  });

  it('fails when the extension answers with an error', async () => {
    // Prepare
    const reader = new ExtensionSecretReader({ AWS_SESSION_TOKEN: 'session' }, (async () => new Response('denied', { status: 403 })) as typeof fetch);

    // Act, Assess
    await expect(reader.read(ARN)).rejects.toThrow(/HTTP 403/);
  });

  it('fills NAME from NAME_ARN, and leaves a value given directly (locally) alone', async () => {
    // Prepare
    const env: NodeJS.ProcessEnv = { CURSOR_SECRET_ARN: ARN, OTHER: 'given', OTHER_ARN: ARN };
    const read = jest.fn(async () => 'from-secret');

    // Act
    await resolveSecretEnvironment(['CURSOR_SECRET', 'OTHER', 'MISSING'], env, { read });

    // Assess
    expect(env).toMatchObject({ CURSOR_SECRET: 'from-secret', OTHER: 'given' });
    expect(env.MISSING).toBeUndefined();
    expect(read).toHaveBeenCalledTimes(1);
  });

  it('resolves once before the first invocation, and again after a failed read', async () => {
    // Prepare
    let attempts = 0;
    const resolve = jest.fn(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('extension not ready');
    });
    const handler = withSecretEnvironment(['CURSOR_SECRET'], async (n: number) => n * 2, resolve);

    // Act
    const first = handler(1);
    await expect(first).rejects.toThrow('extension not ready');
    const results = await Promise.all([handler(2), handler(3)]);
    await handler(4);

    // Assess
    expect(results).toEqual([4, 6]);
    expect(resolve).toHaveBeenCalledTimes(2);
  });
});
