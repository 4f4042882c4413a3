import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from '../core/zod';
import { tenantIdSchema } from '../data/keys';
import * as keys from '../data/table-keys';

/**
 * Which user pool issuers the API trusts: each tenant pool's issuer maps to its tenant, the platform-admin pool's
 * issuer to the platform. Tokens from any other issuer are rejected.
 */
export const issuerRegistrationSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('tenant'),
    issuer: z.string().check(z.minLength(1)),
    tenantId: tenantIdSchema,
    /** App client ids whose tokens are accepted (aud of ID tokens, client_id of access tokens). */
    clientIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    jwksUri: z.url(),
  }),
  z.object({
    kind: z.literal('platform'),
    issuer: z.string().check(z.minLength(1)),
    clientIds: z.array(z.string().check(z.minLength(1))).check(z.minLength(1)),
    jwksUri: z.url(),
  }),
]);
export type IssuerRegistration = z.infer<typeof issuerRegistrationSchema>;

/** The JWKS URL of an issuer, where Cognito (and cognito-local) publish the signing keys. */
export function jwksUriOf(issuer: string): string {
  return `${issuer}/.well-known/jwks.json`;
}

/** The registration of a tenant's pool with its one app client, its keys at the pool's JWKS URL. */
export function tenantPoolRegistration(tenantId: string, pool: { readonly issuer: string; readonly clientId: string }): IssuerRegistration {
  return { kind: 'tenant', issuer: pool.issuer, tenantId, clientIds: [pool.clientId], jwksUri: jwksUriOf(pool.issuer) };
}

export class IssuerRegistryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Registers (or replaces) an issuer. */
  async register(registration: IssuerRegistration): Promise<void> {
    const valid = issuerRegistrationSchema.parse(registration);
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: { ...keys.issuer(valid.issuer), ...valid } }));
  }

  /** Forgets an issuer (its pool was deleted): its tokens are refused from then on. */
  async deregister(issuer: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.issuer(issuer) }));
  }

  /** The registration of an issuer, or undefined when the issuer is unknown. */
  async lookup(issuer: string): Promise<IssuerRegistration | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.issuer(issuer) }));
    if (!Item) return undefined;
    const { pk: _pk, sk: _sk, ...rest } = Item;
    return issuerRegistrationSchema.parse(rest);
  }
}
