/**
 * The hourly health item of a tenant (`T#<t>#HEALTH` / `HOUR#YYYY-MM-DDTHH`): how its requests went in one UTC hour,
 * added to by the usage meter of every function instance (and, for throttles, by whatever sees the gateway's 429s).
 * Counters only, so concurrent writers add without reading, and percentiles come from a fixed histogram.
 */

/** Upper bounds (ms, inclusive) of the latency histogram's buckets; a last bucket holds everything slower. */
export const LATENCY_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/** The name of the bucket past the last bound. */
export const LATENCY_OVERFLOW_BUCKET = 'inf';

/** Hours a health item is kept (DynamoDB TTL deletes it an hour after): the day view and a week to compare with. */
export const HEALTH_RETENTION_HOURS = 7 * 24;

export const HEALTH_ATTRIBUTES = {
  requests: 'requests',
  clientErrors: 'clientErrors',
  serverErrors: 'serverErrors',
  throttles: 'throttles',
  quotaRefusals: 'quotaRefusals',
  latencyTotalMs: 'latencyTotalMs',
  /** Requests whose latency fell in a bucket: `latency:le25`, …, `latency:inf`. */
  latencyBucket: (bucket: string) => `latency:${bucket}`,
} as const;

/** The bucket of a latency: `le<bound>` for the first bound it does not exceed, else `inf`. */
export function latencyBucketOf(durationMs: number): string {
  const bound = LATENCY_BUCKETS_MS.find((upper) => durationMs <= upper);
  return bound === undefined ? LATENCY_OVERFLOW_BUCKET : `le${bound}`;
}

/** The UTC hour of a time, `YYYY-MM-DDTHH`: the period of a health item. */
export function hourOf(time: Date): string {
  return time.toISOString().slice(0, 13);
}
