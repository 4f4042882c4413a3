import { EventEmitter } from 'node:events';
import { writeOnShutdown } from '../../../functions/api/dependencies';

/** A process that records when it is told to exit. */
function fakeProcess() {
  const emitter = new EventEmitter();
  const exits: number[] = [];
  const signals = { once: emitter.once.bind(emitter), exit: (code?: number) => void exits.push(code ?? 0) } as unknown as Pick<NodeJS.Process, 'once' | 'exit'>;
  return { emitter, exits, signals };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the write at container shutdown', () => {
  it('writes when Lambda sends SIGTERM, and lets the process end only once the write is done', async () => {
    // Prepare
    const { emitter, exits, signals } = fakeProcess();
    let finish!: () => void;
    const writes: string[] = [];
    writeOnShutdown(() => new Promise<void>((resolve) => (finish = () => resolve(void writes.push('written')))), signals);

    // Act
    emitter.emit('SIGTERM');
    await tick();
    const exitsBeforeWrite = [...exits];
    finish();
    await tick();

    // Assess
    expect(exitsBeforeWrite).toEqual([]);
    expect(writes).toEqual(['written']);
    expect(exits).toEqual([0]);
  });

  it('ends the process even when the write fails, and writes nothing before the signal', async () => {
    // Prepare
    const { emitter, exits, signals } = fakeProcess();
    let calls = 0;
    writeOnShutdown(async () => {
      calls += 1;
      throw new Error('throttled');
    }, signals);
    await tick();
    const callsBeforeSignal = calls;

    // Act
    emitter.emit('SIGTERM');
    await tick();

    // Assess
    expect(callsBeforeSignal).toBe(0);
    expect(calls).toBe(1);
    expect(exits).toEqual([0]);
  });
});
