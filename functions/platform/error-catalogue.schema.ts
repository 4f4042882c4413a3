import * as z from '../core/zod';

/** The answer of `GET /v1/errors`: the error catalogue (core/error-catalogue.ts). */
export const errorCatalogueSchema = z.object({
  items: z
    .array(
      z.object({
        code: z.string().check(z.maxLength(64)),
        statuses: z.array(z.int().check(z.gte(400), z.lte(599))).check(z.minLength(1), z.maxLength(5)),
        title: z.string().check(z.maxLength(200)),
        meaning: z.string().check(z.maxLength(1024)),
        action: z.string().check(z.maxLength(1024)),
      }),
    )
    .check(z.maxLength(100)),
});
