/**
 * What the functions write to stdout and stderr, line by line, as CloudWatch Logs collects it in AWS: JSON log lines
 * (Powertools Logger) and EMF metric lines (Powertools Metrics). The local platform runs the functions in its own
 * process, so it reads their lines here to compute per-tenant views from the same metrics AWS would get.
 */

/** A JSON line a function wrote: parsed, with its text. */
export interface FunctionLine {
  readonly text: string;
  readonly json: Record<string, unknown>;
  /** True for an EMF metric line (it has the `_aws` metadata). */
  readonly isMetric: boolean;
}

export type FunctionLineListener = (line: FunctionLine) => void;

export interface FunctionOutput {
  /** Calls the listener with every JSON line written from now on; returns the unsubscribe function. */
  subscribe(listener: FunctionLineListener): () => void;
  /** Puts the streams' own write functions back. */
  restore(): void;
}

export interface FunctionOutputOptions {
  /**
   * Whether a JSON line still reaches the terminal.
   * @default metric lines are kept off the terminal, log lines pass
   */
  readonly passThrough?: (line: FunctionLine) => boolean;
}

type Write = typeof process.stdout.write;

/** Reads every line written to stdout and stderr in this process, from now until `restore()`. */
export function captureFunctionOutput(options: FunctionOutputOptions = {}): FunctionOutput {
  const listeners = new Set<FunctionLineListener>();
  const passThrough = options.passThrough ?? ((line) => !line.isMetric);
  const restores = [process.stdout, process.stderr].map((stream) => {
    const original = stream.write;
    let partial = '';
    const write = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]): boolean {
      if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk)) return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      const text = partial + (typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      const lines = text.split('\n');
      const last = lines.pop() ?? '';
      // Only a JSON line can continue in the next write; anything else (progress output) goes out as it comes.
      partial = last.startsWith('{') ? last : '';
      const tail = partial === '' ? last : '';
      const kept: string[] = [];
      for (const raw of lines) {
        const line = parseLine(raw);
        if (line) for (const listener of listeners) listener(line);
        if (!line || passThrough(line)) kept.push(raw);
      }
      const callback = rest.find((arg): arg is () => void => typeof arg === 'function');
      const out = kept.map((line) => `${line}\n`).join('') + tail;
      if (out === '') {
        callback?.();
        return true;
      }
      return original.call(stream, out, callback as never);
    } as Write;
    stream.write = write;
    return () => {
      if (stream.write === write) stream.write = original;
    };
  });
  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restore: () => {
      for (const restore of restores) restore();
    },
  };
}

function parseLine(text: string): FunctionLine | undefined {
  if (!text.startsWith('{')) return undefined;
  try {
    const json = JSON.parse(text) as unknown;
    if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
    return { text, json: json as Record<string, unknown>, isMetric: '_aws' in json };
  } catch {
    return undefined;
  }
}
