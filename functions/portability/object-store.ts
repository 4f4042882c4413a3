import type { Readable } from 'node:stream';

/**
 * Where bundles are kept: the region's export bucket (S3 in AWS, an S3-compatible server locally). Bodies stream
 * both ways, so a bundle of any size passes through bounded memory.
 */
export interface ObjectStore {
  /** Writes an object from a stream of unknown length. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  /**
   * Reads an object as a stream with its version tag; with `ifMatch`, only that version (else
   * `ObjectChangedError`). Throws `ObjectNotFoundError` when it does not exist.
   */
  get(key: string, ifMatch?: string): Promise<StoredObject>;
  /** A GET link that works without credentials until it expires. */
  presignGet(key: string, expiresInSeconds: number): Promise<string>;
}

/** An object's body and the tag of the version read. */
export interface StoredObject {
  readonly body: Readable;
  readonly etag?: string;
}

/** The object was replaced since it was first read. */
export class ObjectChangedError extends Error {
  constructor(readonly key: string) {
    super(`object ${key} changed while it was read`);
    this.name = 'ObjectChangedError';
  }
}

/** The object a bundle names is not in the store. */
export class ObjectNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no object ${key}`);
    this.name = 'ObjectNotFoundError';
  }
}

/** Credentials of the local S3-compatible server (it takes any signature, but wants its own key id). */
export const LOCAL_S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;
