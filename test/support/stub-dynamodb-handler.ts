/**
 * A request handler for SDK clients that answers every DynamoDB request with the JSON body `answer` makes of its
 * target and body, and records what it was sent, so tests and benchmarks can see whether (and how signed) a request
 * left the client, with no server.
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

export function stubDynamoDbHandler(answer: (target: string, body: string) => unknown = () => ({}), record = true): StubDynamoDbHandler {
  const sent: SentRequest[] = [];
  const handler = {
    async handle(request: { headers: Record<string, string>; body?: unknown }) {
      const target = request.headers['x-amz-target'] ?? '';
      const body = typeof request.body === 'string' ? request.body : request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : '';
      if (record) sent.push({ target, headers: request.headers, body });
      return {
        response: {
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: new TextEncoder().encode(JSON.stringify(answer(target, body))),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
  return { handler, sent };
}
