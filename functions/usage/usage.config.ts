import * as z from 'zod';

/** How often the usage meter of a function instance writes what it gathered (see usage.meter.ts). */
export const meterEnvShape = {
  /** Write a tenant's figures after this many of its requests. */
  METER_FLUSH_REQUESTS: z.coerce.number().int().min(1).max(1000).default(50),
  /** …or once its oldest unwritten figure is this old: the staleness bound of usage and health figures. */
  METER_FLUSH_SECONDS: z.coerce.number().min(0).max(60).default(10),
};
