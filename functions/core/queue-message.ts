import type * as z from './zod';

/**
 * The body of a queue message read as JSON and checked by `schema`; undefined when it is not JSON or not of the schema.
 * Nothing can ever come of such a message, so the consumers hand it back towards the dead-letter queue.
 */
export function queueMessageOf<Schema extends z.ZodMiniType>(schema: Schema, body: string): z.output<Schema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
