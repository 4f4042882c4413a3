import type { Readable } from 'node:stream';
import { GetObjectCommand, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { ObjectChangedError, ObjectNotFoundError, type ObjectStore, type StoredObject } from './object-store';

export interface S3ObjectStoreProps {
  readonly client: S3Client;
  readonly bucket: string;
}

/**
 * The export bucket through the S3 API. Uploads go in 5 MiB parts, at most two in flight, so an export holds about
 * 10 MiB of a bundle however large it is; objects are encrypted at rest with the bucket's key (SSE-S3).
 */
export class S3ObjectStore implements ObjectStore {
  constructor(private readonly props: S3ObjectStoreProps) {}

  async put(key: string, body: Readable, contentType: string): Promise<void> {
    const { client, bucket } = this.props;
    const upload = new Upload({
      client,
      params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType, ServerSideEncryption: 'AES256' },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
      leavePartsOnError: false,
    });
    await upload.done();
  }

  async get(key: string, ifMatch?: string): Promise<StoredObject> {
    const { client, bucket } = this.props;
    try {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(ifMatch ? { IfMatch: ifMatch } : {}) }));
      return { body: object.Body as Readable, ...(object.ETag ? { etag: object.ETag } : {}) };
    } catch (error) {
      const name = (error as { name?: string }).name;
      if (error instanceof NoSuchKey || name === 'NoSuchKey') throw new ObjectNotFoundError(key);
      if (name === 'PreconditionFailed') throw new ObjectChangedError(key);
      throw error;
    }
  }

  presignGet(key: string, expiresInSeconds: number): Promise<string> {
    const { client, bucket } = this.props;
    return getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
  }
}

/**
 * A client for the export bucket: path-style when an endpoint is given (the local S3-compatible server, which also
 * wants its own credentials).
 */
export function createS3Client(region: string, local?: { readonly endpoint: string; readonly credentials: AwsCredentialIdentity }): S3Client {
  return new S3Client({ region, ...(local ? { endpoint: local.endpoint, forcePathStyle: true, credentials: local.credentials } : {}) });
}
