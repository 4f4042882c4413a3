import { ValidationError } from '../core/errors';

/** Where in a bundle a problem was found. */
export interface BundleLocation {
  /** The bundle object: `manifest.json`, `agent.ndjson`. */
  readonly file: string;
  /** 1-based line of an NDJSON file. */
  readonly line?: number;
  readonly expectedSha256?: string;
  readonly actualSha256?: string;
}

/**
 * A bundle that cannot be imported (malformed, truncated, tampered, of another tenant): answered 422 before anything
 * is written, with the file, line and hashes that show why.
 */
export class BundleRejectedError extends ValidationError {
  override readonly name: string = 'BundleRejectedError';
  constructor(
    readonly where: BundleLocation,
    message: string,
  ) {
    const place = `${where.file}${where.line === undefined ? '' : ` line ${where.line}`}`;
    super(`the bundle was refused: ${place}: ${message}`, [{ pointer: `bundle/${place}`, message }], 'body');
    Object.assign(this.extensions, { bundle: where });
  }
}
