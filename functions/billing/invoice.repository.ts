import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConflictError, PreconditionFailedError } from '../core/errors';
import { attributeAbsent, attributeIs, conditionOf, itemAbsent, versionIs } from '../data/conditions';
import * as keys from '../data/table-keys';
import type { ItemWrite } from '../data/mutation.executor';
import { TABLE_SCHEMA } from '../data/table.schema';
import { updateOf } from '../data/updates';
import { invoiceSchema, type Invoice } from './invoice.schema';

/** Most invoices a listing returns: ten years of monthly periods. */
export const INVOICE_LIST_LIMIT = 120;

/** The attribute of the region's counter item that holds the last invoice number issued. */
export const ISSUED_ATTRIBUTE = 'issued';

/** Invoices of a tenant, read through its scoped client. */
export class InvoiceRepository {
  constructor(
    private readonly db: (tenantId: string) => DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(tenantId: string, invoiceId: string): Promise<Invoice | undefined> {
    const { Item } = await this.db(tenantId).send(new GetCommand({ TableName: this.tableName, Key: keys.invoice(tenantId, invoiceId), ConsistentRead: true }));
    return Item ? parsed(Item) : undefined;
  }

  /** The tenant's invoices, newest period first. */
  async list(tenantId: string): Promise<Invoice[]> {
    const { Items } = await this.db(tenantId).send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
        ExpressionAttributeNames: { '#pk': TABLE_SCHEMA.partitionKey, '#sk': TABLE_SCHEMA.sortKey },
        ExpressionAttributeValues: { ':pk': keys.billingPartition(tenantId), ':prefix': keys.invoiceSortKeyPrefix() },
        ScanIndexForward: false,
        Limit: INVOICE_LIST_LIMIT,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map(parsed);
  }
}

/** The last number the region issued (0 before its first invoice), read through a client that may read its counter. */
export async function lastIssuedNumber(db: DynamoDBDocumentClient, tableName: string, region: string): Promise<number> {
  const { Item } = await db.send(new GetCommand({ TableName: tableName, Key: keys.invoiceNumbers(region), ConsistentRead: true }));
  return Number(Item?.[ISSUED_ATTRIBUTE] ?? 0);
}

function parsed(item: Record<string, unknown>): Invoice {
  const { pk: _pk, sk: _sk, ...fields } = item;
  return invoiceSchema.parse(fields);
}

/** Raised when another invoice of the region took the number meanwhile: take the next one and try again. */
export class InvoiceNumberTakenError extends ConflictError {
  override readonly name: string = 'InvoiceNumberTakenError';
}

/** Writes a new invoice: refused when the period already has one (an issued invoice is never overwritten). */
export function invoiceIssueWrite(invoice: Invoice): ItemWrite {
  const valid = invoiceSchema.parse(invoice);
  return {
    put: { Item: { ...keys.invoice(valid.tenantId, valid.invoiceId), ...valid }, ...conditionOf(itemAbsent) },
    onConditionFailed: () => new ConflictError(`the period ${valid.invoiceId} of tenant ${valid.tenantId} is invoiced already`, { invoiceId: valid.invoiceId }),
  };
}

/** Takes number `sequence` of the region's counter, which must still be at `sequence - 1`: numbers have no gaps. */
export function invoiceNumberWrite(region: string, sequence: number): ItemWrite {
  const previous = sequence - 1;
  return {
    update: {
      Key: keys.invoiceNumbers(region),
      ...updateOf({ set: { [ISSUED_ATTRIBUTE]: sequence } }, previous === 0 ? attributeAbsent(ISSUED_ATTRIBUTE) : attributeIs(ISSUED_ATTRIBUTE, previous)),
    },
    onConditionFailed: () => new InvoiceNumberTakenError(`invoice number ${sequence} of ${region} was taken meanwhile`),
  };
}

/**
 * Changes the payment of an issued invoice, and nothing else: the charges are never rewritten (the update sets the
 * payment and the version only, at the version read).
 */
export function invoicePaymentWrite(invoice: Invoice, previousVersion: number): ItemWrite {
  const valid = invoiceSchema.parse(invoice);
  return {
    update: {
      Key: keys.invoice(valid.tenantId, valid.invoiceId),
      ...updateOf({ set: { payment: valid.payment, version: valid.version } }, versionIs(previousVersion)),
    },
    onConditionFailed: () => new PreconditionFailedError(`invoice ${valid.invoiceId} of tenant ${valid.tenantId} changed meanwhile`),
  };
}
