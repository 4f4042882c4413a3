import { ExtensionSecretReader, resolveSecretEnvironment } from '../../../functions/core/secrets';

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
});
