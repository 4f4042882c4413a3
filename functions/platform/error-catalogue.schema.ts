import * as z from 'zod';

/** The answer of `GET /v1/errors`: the error catalogue (core/error-catalogue.ts). */
export const errorCatalogueSchema = z.object({
  items: z
    .array(
      z.object({
        code: z.string().max(64),
        statuses: z.array(z.int().min(400).max(599)).min(1).max(5),
        title: z.string().max(200),
        meaning: z.string().max(1024),
        action: z.string().max(1024),
      }),
    )
    .max(100),
});
