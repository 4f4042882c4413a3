import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventBridgeEvent } from 'aws-lambda';

/**
 * The local EventBridge: an HTTP endpoint that speaks PutEvents (AWS JSON 1.1), so functions use the real
 * `@aws-sdk/client-eventbridge` with an endpoint override, and rules that deliver matching events to local
 * targets, asynchronously and with retries, as EventBridge delivers to a Lambda or a CodeBuild project.
 */

export type LocalEvent = EventBridgeEvent<string, unknown>;

/** What a rule matches: every listed field must hold one of its values. */
export interface EventPattern {
  readonly source: readonly string[];
  readonly detailType?: readonly string[];
}

export type EventTarget = (event: LocalEvent) => Promise<void>;

/** An event as PutEvents takes it. */
export interface PutEventsEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly Resources?: string[];
  readonly EventBusName?: string;
}

export interface LocalEventBusOptions {
  /** @default a free port */
  readonly port?: number;
  /** @default the first local region */
  readonly region?: string;
  /** Receives one line per delivery failure. @default console.error */
  readonly log?: (line: string) => void;
  /** Deliveries per event before it is dropped (EventBridge would send it to a dead-letter queue). @default 3 */
  readonly attempts?: number;
}

export interface LocalEventBus {
  /** `http://127.0.0.1:<port>`: EVENTBRIDGE_ENDPOINT of the functions. */
  readonly endpoint: string;
  /** Adds a rule. */
  subscribe(pattern: EventPattern, target: EventTarget): void;
  /** Puts events from inside the process, as PutEvents does. */
  put(entries: readonly PutEventsEntry[]): string[];
  /** Resolves once no delivery is pending (including deliveries caused by deliveries). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const ACCOUNT_ID = '000000000000';

function matches(pattern: EventPattern, event: LocalEvent): boolean {
  return pattern.source.includes(event.source) && (!pattern.detailType || pattern.detailType.includes(event['detail-type']));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
    req.on('error', fail);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
  res.end(JSON.stringify(body));
}

/** The event EventBridge makes of a PutEvents entry. */
function eventOf(entry: PutEventsEntry, region: string): LocalEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType ?? '',
    source: entry.Source ?? '',
    account: ACCOUNT_ID,
    time: new Date().toISOString(),
    region,
    resources: entry.Resources ?? [],
    detail: entry.Detail ? JSON.parse(entry.Detail) : {},
  };
}

/** Hands the event to a rule's target, retrying a failing target before giving the event up (logged). */
async function deliver(target: EventTarget, event: LocalEvent, attempts: number, log: (line: string) => void): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await target(event);
      return;
    } catch (error) {
      if (attempt >= attempts) {
        log(`event bus: ${event['detail-type']} ${event.id} not delivered after ${attempt} attempts: ${(error as Error).message}`);
        return;
      }
      await new Promise((done) => setTimeout(done, 100 * attempt));
    }
  }
}

/** Starts the bus on loopback. */
export async function startLocalEventBus(options: LocalEventBusOptions = {}): Promise<LocalEventBus> {
  const rules: { pattern: EventPattern; target: EventTarget }[] = [];
  const log = options.log ?? ((line: string) => console.error(line));
  const attempts = options.attempts ?? 3;
  const region = options.region ?? 'eu-central-1';
  const pending = new Set<Promise<void>>();

  const put = (entries: readonly PutEventsEntry[]): string[] =>
    entries.map((entry) => {
      const event = eventOf(entry, region);
      for (const rule of rules.filter((candidate) => matches(candidate.pattern, event))) {
        // Delivered after the answer to PutEvents, as EventBridge does.
        const delivery = new Promise<void>((done) => setImmediate(done)).then(() => deliver(rule.target, event, attempts, log));
        pending.add(delivery);
        void delivery.finally(() => pending.delete(delivery));
      }
      return event.id;
    });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = await readBody(req);
      if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
        send(res, 400, { __type: 'UnknownOperationException', message: `the local event bus only speaks PutEvents, not ${target || req.method}` });
        return;
      }
      try {
        const { Entries = [] } = JSON.parse(body) as { Entries?: PutEventsEntry[] };
        const ids = put(Entries);
        send(res, 200, { FailedEntryCount: 0, Entries: ids.map((EventId) => ({ EventId })) });
      } catch (error) {
        send(res, 400, { __type: 'ValidationException', message: (error as Error).message });
      }
    })();
  });
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => done());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    subscribe: (pattern, target) => rules.push({ pattern, target }),
    put,
    idle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: () =>
      new Promise<void>((done, fail) => {
        server.close((error) => (error ? fail(error) : done()));
        server.closeAllConnections();
      }),
  };
}
