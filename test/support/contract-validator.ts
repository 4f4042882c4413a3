import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { ApiResponse } from './platform';

type Json = Record<string, any>;

/** One way a live answer breaks the API document. */
export interface ContractViolation {
  readonly operation: string;
  readonly status: number;
  readonly problem: string;
}

/**
 * Checks live answers against the OpenAPI document, as a validating proxy would: the status is documented for the
 * operation, every header the document marks required is there, and the body is of the documented media type and
 * matches its schema (or is absent where the document has none).
 */
export class ContractValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  readonly violations: ContractViolation[] = [];
  readonly seen = new Set<string>();

  constructor(private readonly document: Json) {
    addFormats(this.ajv);
    this.ajv.addSchema({ ...document, $id: 'api' });
  }

  /** Checks one answer of the operation at `method` `path` (the document's path); returns what it broke, also kept in `violations`. */
  check(method: string, path: string, response: ApiResponse): ContractViolation[] {
    const before = this.violations.length;
    this.record(method, path, response);
    return this.violations.slice(before);
  }

  private record(method: string, path: string, response: ApiResponse): void {
    const operation = this.document.paths[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the document has no ${method} ${path}`);
    this.seen.add(operation.operationId);
    const fail = (problem: string): void => {
      this.violations.push({ operation: operation.operationId, status: response.status, problem });
    };
    const answer: Json | undefined = operation.responses[String(response.status)];
    if (!answer) {
      fail('status not documented');
      return;
    }
    const spec = this.resolve(answer);
    for (const [name, header] of Object.entries<Json>(spec.headers ?? {})) {
      if (this.resolve(header).required && response.headers.get(name) === null) fail(`required header ${name} missing`);
    }
    const contentType = response.headers.get('content-type');
    if (!spec.content) {
      if (response.text !== '' || contentType !== null) fail('a body or content type where the document has none');
      return;
    }
    const mediaType = Object.keys(spec.content).find((type) => contentType?.startsWith(type));
    if (!mediaType) {
      fail(`content type ${contentType} not documented`);
      return;
    }
    // The schema where the answer is: in the operation, or in the shared response it refers to (a JSON pointer already).
    const pointerPart = (part: string) => part.replaceAll('~', '~0').replaceAll('/', '~1');
    const at =
      typeof answer.$ref === 'string'
        ? answer.$ref.slice(2)
        : ['paths', path, method.toLowerCase(), 'responses', String(response.status)].map(pointerPart).join('/');
    const pointer = `${at}/content/${pointerPart(mediaType)}/schema`;
    const validate = this.ajv.getSchema(`api#/${pointer}`);
    if (!validate) {
      fail('no schema');
      return;
    }
    if (!validate(response.json)) fail(`body: ${this.ajv.errorsText(validate.errors, { separator: '; ' }).slice(0, 400)}`);
  }

  private resolve(node: Json): Json {
    if (typeof node.$ref !== 'string') return node;
    return node.$ref
      .slice(2)
      .split('/')
      .reduce((at: Json, part: string) => at[part.replaceAll('~1', '/').replaceAll('~0', '~')], this.document);
  }
}
