/**
 * A request handler for SDK clients that answers every DynamoDB request with a fixed JSON body and records what it
 * was sent, so tests and benchmarks can see whether (and how signed) a request left the client, with no server.
 */
export interface SentRequest {
  readonly target: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface StubDynamoDbHandler {
  /** Pass as the client's `requestHandler`. */
  readonly handler: {
    handle(request: { headers: Record<string, string>; body?: unknown }): Promise<{ response: unknown }>;
    updateHttpClientConfig(): void;
    httpHandlerConfigs(): Record<string, never>;
    destroy(): void;
  };
  readonly sent: SentRequest[];
}

export function stubDynamoDbHandler(answer: (target: string) => unknown = () => ({}), record = true): StubDynamoDbHandler {
  const sent: SentRequest[] = [];
  const handler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const target = request.headers['x-amz-target'] ?? '';
      if (record) sent.push({ target, headers: request.headers, body: typeof request.body === 'string' ? request.body : '' });
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: new TextEncoder().encode(JSON.stringify(answer(target))),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return { handler, sent };
}
