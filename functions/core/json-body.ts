import httpJsonBodyParser from '@middy/http-json-body-parser';
import { MalformedRequestError, UnsupportedMediaTypeError, ValidationError } from './errors';

/** What the body parser reads of a request. */
export interface BodySource {
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null | undefined;
  readonly isBase64Encoded?: boolean;
}

// The parser refuses `__proto__` keys (and `constructor.prototype`) itself, before any reviver sees them.
const parser = httpJsonBodyParser({});

/**
 * The JSON body of a request, read by middy's JSON body parser and its errors mapped onto the platform's problems:
 * no body → 400 `malformed-request`; a content type other than JSON (none at all counts as JSON) → 415 `unsupported-media-type`; text that is
 * not JSON → 400 `malformed-request`; a prototype-polluting key → 422 `validation-failed`.
 */
export function parseJsonBody(source: BodySource): unknown {
  if (source.body === null || source.body === undefined || source.body === '') {
    throw new MalformedRequestError('this route needs a JSON body');
  }
  // A body without Content-Type is read as JSON, as before; a body that names another type is refused.
  const event = {
    headers: { 'content-type': 'application/json', ...source.headers },
    body: source.body as unknown,
    isBase64Encoded: source.isBase64Encoded ?? false,
  };
  try {
    parser.before!({ event } as never);
  } catch (error) {
    throw mapParserError(error, source.headers['content-type']);
  }
  return event.body;
}

function mapParserError(error: unknown, contentType: string | undefined): Error {
  const status = (error as { statusCode?: number }).statusCode;
  if (status === 415) {
    return new UnsupportedMediaTypeError(`this route takes application/json, not ${contentType}`);
  }
  if (status === 422 && /forbidden key/i.test((error as Error).message)) {
    const key = String((error as { cause?: { data?: unknown } }).cause?.data ?? '__proto__');
    return new ValidationError(`invalid body: ${key} is not allowed`, [{ pointer: `body.${key}`, message: 'forbidden key' }], 'body');
  }
  if (status === 422) return new MalformedRequestError('the body is not valid JSON');
  return error as Error;
}
