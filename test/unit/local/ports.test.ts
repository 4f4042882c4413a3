import { createServer, type Server } from 'node:net';
import { ephemeralPortLow, freePort } from '../../../local/ports';

/** The first port the kernel hands out by itself on this machine. */
const EPHEMERAL_LOW = ephemeralPortLow();
const CHOSEN_LOW = 20_000;

function listen(port: number): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

const close = (server: Server) => new Promise<void>((done) => server.close(() => done()));

/** The value of Math.random that makes freePort(span) try `port` first. */
const drawing = (port: number, span: number) => (port - CHOSEN_LOW + 0.5) / (EPHEMERAL_LOW - span - CHOSEN_LOW);

describe('freePort', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives ports below the range the kernel hands out, free to listen on, the span after it too', async () => {
    // Act
    const single = await freePort();
    const pair = await freePort(2);

    // Assess
    for (const port of [single, pair, pair + 1]) {
      expect(port).toBeGreaterThanOrEqual(CHOSEN_LOW);
      expect(port).toBeLessThan(EPHEMERAL_LOW);
      await close(await listen(port));
    }
  });

  it('passes over a port whose span is partly taken', async () => {
    // Prepare: the second port of the first draw is taken.
    const [first, second] = [await freePort(2), await freePort(2)];
    const taken = await listen(first + 1);
    jest.spyOn(Math, 'random').mockReturnValueOnce(drawing(first, 2)).mockReturnValueOnce(drawing(second, 2));

    try {
      // Act
      const port = await freePort(2);

      // Assess
      expect(port).toBe(second);
    } finally {
      await close(taken);
    }
  });
});
