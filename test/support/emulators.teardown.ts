import { stopEmulators } from './emulators.setup';

/** Stops the emulators the global setup started (DynamoDB Local by PID) and removes their state. */
export default async function teardown(): Promise<void> {
  const running = globalThis.integrationEmulators;
  if (!running) return;
  globalThis.integrationEmulators = undefined;
  await stopEmulators(running);
}
