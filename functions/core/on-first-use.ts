/**
 * An adapter built at its first use instead of when the function's handler is built: the module behind it and the AWS
 * SDK client that module loads stay out of a cold start whose first requests never call it (listing users needs no
 * Cognito or SES; an API key route needs neither). For ports that are objects of methods, as every adapter port is.
 */
export function onFirstUse<T extends object>(build: () => T): T {
  let built: T | undefined;
  const adapter = (): T => {
    built ??= build();
    return built;
  };
  return new Proxy({} as T, {
    get(_shell, key) {
      const value: unknown = Reflect.get(adapter(), key);
      return typeof value === 'function' ? value.bind(adapter()) : value;
    },
    has: (_shell, key) => Reflect.has(adapter(), key),
  });
}
