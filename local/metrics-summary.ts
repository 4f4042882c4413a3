import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { METRIC_NAMES, METRIC_PROPERTIES } from '../functions/core/metric-names';
import type { FunctionLine } from './function-output';

/** One tenant's figures over the summary window, from the EMF lines the functions and the gateway wrote. */
export interface TenantSummary {
  readonly tenantId: string;
  readonly tier: string;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly p99Ms: number;
  readonly clientErrors: number;
  readonly serverErrors: number;
  readonly throttles: number;
  readonly quotaRefusals: number;
}

interface Sample {
  readonly at: number;
  readonly tier: string;
  readonly latency?: number;
  readonly values: Readonly<Record<string, number>>;
}

export interface MetricsSummaryOptions {
  /** How far back the summary looks. @default 60 s */
  readonly windowMs?: number;
  /** @default Date.now */
  readonly clock?: () => number;
}

const numberOf = (value: unknown) => (typeof value === 'number' ? value : 0);

/**
 * Per-tenant live figures of the local platform (requests/s, p99, errors, throttles, quota refusals), computed from
 * the same EMF lines CloudWatch would receive: `npm start` prints them, `npm run tenant -- top` reads their snapshot.
 */
export class MetricsSummary {
  private readonly samples = new Map<string, Sample[]>();
  private readonly windowMs: number;
  private readonly clock: () => number;

  constructor(options: MetricsSummaryOptions = {}) {
    this.windowMs = options.windowMs ?? 60_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Takes one line; only metric lines of a tenant count. */
  record(line: FunctionLine): void {
    const tenantId = line.json[METRIC_PROPERTIES.tenantId];
    if (!line.isMetric || typeof tenantId !== 'string') return;
    const values = Object.fromEntries(Object.values(METRIC_NAMES).map((name) => [name, numberOf(line.json[name])]));
    const latency = line.json[METRIC_NAMES.latency];
    const samples = this.samples.get(tenantId) ?? [];
    samples.push({ at: this.clock(), tier: String(line.json.tier ?? 'unknown'), values, ...(typeof latency === 'number' ? { latency } : {}) });
    this.samples.set(tenantId, samples);
  }

  /** Every tenant seen within the window, busiest first. */
  summary(): TenantSummary[] {
    const since = this.clock() - this.windowMs;
    const rows: TenantSummary[] = [];
    for (const [tenantId, all] of this.samples) {
      const samples = all.filter((sample) => sample.at >= since);
      this.samples.set(tenantId, samples);
      if (samples.length === 0) continue;
      const total = (name: string) => samples.reduce((sum, sample) => sum + (sample.values[name] ?? 0), 0);
      const latencies = samples.flatMap((sample) => (sample.latency === undefined ? [] : [sample.latency])).sort((a, b) => a - b);
      const requests = total(METRIC_NAMES.requests);
      rows.push({
        tenantId,
        tier: samples.at(-1)!.tier,
        requests,
        requestsPerSecond: requests / (this.windowMs / 1000),
        p99Ms: latencies.length === 0 ? 0 : latencies[Math.min(latencies.length - 1, Math.ceil(0.99 * latencies.length) - 1)],
        clientErrors: total(METRIC_NAMES.clientErrors),
        serverErrors: total(METRIC_NAMES.serverErrors),
        throttles: total(METRIC_NAMES.throttles),
        quotaRefusals: total(METRIC_NAMES.quotaRefusals),
      });
    }
    return rows.sort((a, b) => b.requests - a.requests || a.tenantId.localeCompare(b.tenantId));
  }
}

/** The summary as a compact table, one line per tenant. */
export function formatSummary(rows: readonly TenantSummary[], windowMs = 60_000): string[] {
  const header = ['TENANT', 'TIER', 'REQ/S', 'P99 MS', '4XX', '5XX', 'THROTTLED', 'QUOTA'];
  const table = [
    header,
    ...rows.map((row) => [
      row.tenantId,
      row.tier,
      row.requestsPerSecond.toFixed(2),
      row.p99Ms.toFixed(0),
      String(row.clientErrors),
      String(row.serverErrors),
      String(row.throttles),
      String(row.quotaRefusals),
    ]),
  ];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
  const title = `tenants, last ${Math.round(windowMs / 1000)} s:`;
  if (rows.length === 0) return [`${title} no requests`];
  return [
    title,
    ...table.map((row) =>
      row
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    ),
  ];
}

/** File in the data directory where `npm start` keeps the latest summary, for `npm run tenant -- top`. */
export const METRICS_SNAPSHOT_FILE = 'metrics.json';

export interface MetricsSnapshot {
  readonly at: number;
  readonly windowMs: number;
  readonly tenants: readonly TenantSummary[];
}

/** Writes the snapshot atomically (write, then rename), so a reader never sees half a file. */
export function writeMetricsSnapshot(path: string, snapshot: MetricsSnapshot): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, JSON.stringify(snapshot));
  renameSync(temporary, path);
}

/** The snapshot, or undefined when the platform has written none. */
export function readMetricsSnapshot(path: string): MetricsSnapshot | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as MetricsSnapshot;
}
