import * as z from '../core/zod';
import { storableNameSchema, storableNumberSchema } from '../data/storable';

/** Free-form settings of a tenant, as an admin or its manifest gives them: short names and values the table stores. */
export const tenantSettingsSchema = z.record(
  storableNameSchema.check(z.maxLength(64)),
  z.union([z.string().check(z.maxLength(1024)), storableNumberSchema, z.boolean()]),
);
