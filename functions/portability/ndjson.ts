import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';

/** One line of a bundle file: the item in DynamoDB JSON, as DynamoDB's own export to S3 writes it. */
export function lineOf(item: Record<string, unknown>): string {
  return `${JSON.stringify({ Item: marshall(item, { removeUndefinedValues: true, convertClassInstanceToMap: false }) })}\n`;
}

/** The item of a line; throws with a reason when the line is no item. */
export function itemOf(line: string): Record<string, unknown> {
  const parsed = JSON.parse(line) as unknown;
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || !('Item' in parsed)) throw new Error('the line is not {"Item": …}');
  const item = (parsed as { Item: unknown }).Item;
  if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new Error('Item is not a DynamoDB JSON map');
  return unmarshall(item as never, { wrapNumbers: false });
}

/** What was written to a file: lines, bytes and the SHA-256 of the bytes. */
export interface FileDigest {
  readonly items: number;
  readonly bytes: number;
  readonly sha256: string;
}

/**
 * A file written line by line into a stream the store reads from: writes wait while the store is behind (back
 * pressure), and the digest is computed on the way.
 */
export class NdjsonWriter {
  readonly stream = new PassThrough();
  private readonly hash = createHash('sha256');
  private items = 0;
  private bytes = 0;

  async write(item: Record<string, unknown>): Promise<void> {
    const chunk = Buffer.from(lineOf(item), 'utf8');
    this.hash.update(chunk);
    this.items += 1;
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  get written(): { items: number; bytes: number } {
    return { items: this.items, bytes: this.bytes };
  }

  end(): FileDigest {
    this.stream.end();
    return { items: this.items, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}

/** A line of a file being read, with its 1-based number. */
export interface NumberedLine {
  readonly number: number;
  readonly text: string;
}

/**
 * Reads a file line by line while hashing and counting its bytes; `digest()` is final once the lines are all read.
 * A last line without its newline is still a line (the hash then differs from a complete file's).
 */
export class NdjsonReader {
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly hashed: Transform;

  constructor(private readonly body: Readable) {
    // Hashing sits in the pipe (not a second 'data' listener), so no chunk passes before the line reader listens.
    this.hashed = body.pipe(
      new Transform({
        transform: (chunk: Buffer, _encoding, done) => {
          this.hash.update(chunk);
          this.bytes += chunk.length;
          done(null, chunk);
        },
      }),
    );
  }

  async *lines(): AsyncGenerator<NumberedLine> {
    let number = 0;
    for await (const text of createInterface({ input: this.hashed, crlfDelay: Number.POSITIVE_INFINITY })) {
      number += 1;
      yield { number, text };
    }
  }

  /** Stops reading early (a refused file). */
  close(): void {
    this.body.destroy();
    this.hashed.destroy();
  }

  digest(): { bytes: number; sha256: string } {
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }
}
