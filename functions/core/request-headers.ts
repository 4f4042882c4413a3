/** The parts of a REST request event (proxy or authorizer) that carry headers. */
export interface HeaderSource {
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[] | undefined>> | null;
}

/**
 * The distinct values of a header, matched case-insensitively across `headers` and `multiValueHeaders`.
 * More than one value means the request is ambiguous about it; callers treat that as a bad request, never pick one.
 */
export function headerValues(event: HeaderSource, name: string): string[] {
  const wanted = name.toLowerCase();
  const values = new Set<string>();
  for (const [key, value] of Object.entries(event.multiValueHeaders ?? {})) {
    if (key.toLowerCase() === wanted) for (const item of value ?? []) values.add(item);
  }
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted && value !== undefined) values.add(value);
  }
  return [...values];
}
