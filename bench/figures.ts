/**
 * The figures a full `npm run bench` sums up at its end, each beside its goal. Benches record them as they measure
 * (each bench module in a process of its own, which sends them to bench/run.ts); harnesses bundled by esbuild run in
 * the bench's process with their own copy of this module, so the figures live on a process-wide registry, not in a
 * module variable.
 */

export interface BenchFigure {
  /** What is measured, as the request-path issue's table names it. */
  readonly figure: string;
  readonly now: string;
  readonly goal: string;
  readonly met: boolean;
}

/** The figures of the table, in its order, with the bench that measures each. */
export const EXPECTED_FIGURES: readonly { readonly figure: string; readonly bench: string; readonly goal: string }[] = [
  { figure: 'full path vs bare handler (same GetItem)', bench: 'gateway', goal: '<= 1.15x' },
  { figure: 'authorizer result cache hit rate', bench: 'gateway', goal: 'one miss per credential and TTL (5 s)' },
  { figure: 'Lambda invocations per API request', bench: 'gateway', goal: '1 for a warm, cached caller' },
  { figure: 'DynamoDB calls per GET of a tenant record', bench: 'gateway', goal: '1 (the record; no directory read)' },
  { figure: 'largest Lambda bundle (minified)', bench: 'bundles', goal: 'every entry <= 150 KiB' },
  { figure: 'slowest cold import vs node -e 0', bench: 'bundles', goal: '<= 1.8x for every entry' },
  { figure: 'one tenant, 4 containers x 16 memory creates in flight', bench: 'resources', goal: '0 x 429, p95 <= 4x p50' },
  { figure: 'GET .../usage: table calls', bench: 'resources', goal: '<= 2 calls' },
  { figure: 'start a 3-step run: table calls before 202', bench: 'runs', goal: '<= 2 calls' },
];

const REGISTRY = Symbol.for('agent-platform.bench.figures');

function registry(): BenchFigure[] {
  const holder = globalThis as unknown as Record<symbol, BenchFigure[] | undefined>;
  holder[REGISTRY] ??= [];
  return holder[REGISTRY];
}

/** Records a figure for the summary (the last one recorded for a name wins). */
export function recordFigure(figure: BenchFigure): void {
  const figures = registry();
  const index = figures.findIndex((known) => known.figure === figure.figure);
  if (index >= 0) figures.splice(index, 1);
  figures.push(figure);
}

/** What was recorded in this process, in the order it was. */
export function recordedFigures(): BenchFigure[] {
  return [...registry()];
}

/** The summary table: every expected figure (or how to measure it when no bench of this run did), then any other. */
export function summaryLines(): string[] {
  const recorded = registry();
  const rows = EXPECTED_FIGURES.map(({ figure, bench, goal }) => {
    const found = recorded.find((known) => known.figure === figure);
    return found ? [figure, found.now, found.goal, found.met ? 'yes' : 'NO'] : [figure, `not run (npm run bench -- ${bench})`, goal, '-'];
  });
  for (const extra of recorded.filter((known) => !EXPECTED_FIGURES.some(({ figure }) => figure === known.figure))) {
    rows.push([extra.figure, extra.now, extra.goal, extra.met ? 'yes' : 'NO']);
  }
  const header = ['figure', 'now', 'goal', 'met?'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => `| ${cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ')} |`;
  return [line(header), `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`, ...rows.map(line)];
}
