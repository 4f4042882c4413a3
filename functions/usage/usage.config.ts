import * as z from '../core/zod';

/** How often the usage meter of a function instance writes what it gathered (see usage.meter.ts). */
export const meterEnvShape = {
  /** Write a tenant's figures after this many of its requests. */
  METER_FLUSH_REQUESTS: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(1000)), 50),
  /** …or once its oldest unwritten figure is this old: the staleness bound of usage and health figures. */
  METER_FLUSH_SECONDS: z._default(z.coerce.number().check(z.gte(0), z.lte(60)), 10),
};
