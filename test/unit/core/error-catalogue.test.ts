import * as errors from '../../../functions/core/errors';
import { ERROR_CATALOGUE, GATEWAY_CODES } from '../../../functions/core/error-catalogue';
import { statusOf } from '../../../functions/core/problem';
import { buildOpenApiDocument } from '../../../functions/platform/openapi';
import { problemCodesOf } from '../../../functions/platform/openapi.problems';
import { ROUTES, type RouteDefinition } from '../../../functions/routes';

/** One instance of every concrete domain error class, built with placeholder arguments. */
function domainErrors(): errors.DomainError[] {
  return (Object.values(errors) as unknown[])
    .filter((value) => typeof value === 'function' && (value as { prototype: unknown }).prototype instanceof errors.DomainError)
    .map((Type) => new (Type as new (...args: unknown[]) => errors.DomainError)('detail', [], 'body'));
}

describe('the error catalogue', () => {
  it('lists every domain error code with the status the problem mapper gives it', () => {
    const found = domainErrors();
    expect(found.length).toBeGreaterThanOrEqual(15);
    for (const error of found) {
      const entry = ERROR_CATALOGUE.find((candidate) => candidate.code === error.code);
      expect([error.code, entry?.statuses.includes(statusOf(error))]).toEqual([error.code, true]);
    }
  });

  it('lists every code of the gateway problem table, and each code once', () => {
    const codes = ERROR_CATALOGUE.map((entry) => entry.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const code of GATEWAY_CODES) expect(codes).toContain(code);
  });

  it('documents, for every route, only catalogued codes under statuses the catalogue gives them', () => {
    for (const route of ROUTES as readonly RouteDefinition[]) {
      for (const [status, codes] of problemCodesOf(route)) {
        for (const code of codes)
          expect([route.operationId, code, ERROR_CATALOGUE.find((e) => e.code === code)?.statuses.includes(status)]).toEqual([route.operationId, code, true]);
      }
    }
  });

  it('is served in the OpenAPI document with every status of every route', () => {
    const document = buildOpenApiDocument(ROUTES, 'https://api.example.com') as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      'x-error-codes': unknown;
    };
    expect(document['x-error-codes']).toEqual(ERROR_CATALOGUE);
    for (const route of ROUTES as readonly RouteDefinition[]) {
      const responses = document.paths[route.path][route.method.toLowerCase()].responses;
      expect(Object.keys(responses)).toEqual(expect.arrayContaining(['401', '403'].filter(() => route.access !== 'public').concat(['429', '500'])));
      expect(Object.keys(responses).some((status) => status.endsWith('XX'))).toBe(false);
    }
  });
});
