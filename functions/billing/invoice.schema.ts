import * as z from '../core/zod';
import { tenantIdSchema } from '../core/tenant-id';
import { METERED_QUANTITIES, planIdSchema } from './plan.catalogue';
import { BILLING_CURRENCY, billingPeriodSchema } from './subscription.schema';

const instant = z.iso.datetime();
const minorUnits = z.int().check(z.gte(0));

/** An invoice is named by the month of its period: one invoice per tenant and period. */
export const invoiceIdSchema = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'an invoice id is the month of its period, YYYY-MM'));

export const LINE_ITEM_KINDS = ['plan', 'proration', 'overage'] as const;

/** One charge of an invoice: `quantity` × `unitAmount` is `amount`, in minor units of the invoice's currency. */
export const lineItemSchema = z.object({
  kind: z.enum(LINE_ITEM_KINDS),
  description: z.string().check(z.minLength(1), z.maxLength(200)),
  /** For overage: the metered quantity it charges. */
  quantity: z.optional(z.enum(METERED_QUANTITIES)),
  /** Units charged: 1 for the plan and a proration, started blocks beyond the plan for overage. */
  units: z.int().check(z.gte(0)),
  unitAmount: minorUnits,
  amount: minorUnits,
});
export type LineItem = z.infer<typeof lineItemSchema>;

export const PAYMENT_STATUSES = ['open', 'pending', 'paid', 'failed'] as const;
export const paymentStatusSchema = z.enum(PAYMENT_STATUSES);
export const PAYMENT_PROVIDERS = ['manual', 'stripe'] as const;

/** What the payment provider says of the invoice; the only part of an issued invoice that changes. */
export const invoicePaymentSchema = z.object({
  provider: z.enum(PAYMENT_PROVIDERS),
  status: paymentStatusSchema,
  /** The provider's object that collects it (a Stripe payment intent). */
  providerRef: z.optional(z.string().check(z.minLength(1), z.maxLength(255))),
  /** The provider events applied to it, by id: an event delivered again changes nothing. */
  appliedEvents: z.array(z.string().check(z.minLength(1), z.maxLength(255))).check(z.maxLength(50)),
  updatedAt: instant,
});

/** The usage a period's invoice was made from, as metered at the close. */
export const invoicedUsageSchema = z.object(
  Object.fromEntries(METERED_QUANTITIES.map((quantity) => [quantity, z.int().check(z.gte(0))])) as Record<(typeof METERED_QUANTITIES)[number], z.ZodMiniInt>,
);

export const invoiceSchema = z.object({
  tenantId: tenantIdSchema,
  invoiceId: invoiceIdSchema,
  /** `<region>-<sequence>`: the issuing region's numbers have no gaps. */
  number: z.string().check(z.minLength(1), z.maxLength(64)),
  sequence: z.int().check(z.gte(1)),
  region: z.string().check(z.minLength(1), z.maxLength(32)),
  period: billingPeriodSchema,
  /** The plan at the end of the period (its overage rates apply). */
  plan: planIdSchema,
  currency: z.literal(BILLING_CURRENCY),
  lineItems: z.array(lineItemSchema).check(z.minLength(1), z.maxLength(20)),
  usage: invoicedUsageSchema,
  total: minorUnits,
  issuedAt: instant,
  payment: invoicePaymentSchema,
  version: z.int().check(z.gte(0)),
});
export type Invoice = z.infer<typeof invoiceSchema>;

export const invoicePathSchema = z.object({ tenantId: tenantIdSchema, invoiceId: invoiceIdSchema });
export const invoiceListPathSchema = z.object({ tenantId: tenantIdSchema });
export const invoiceListSchema = z.object({ items: z.array(invoiceSchema).check(z.maxLength(120)) });

/** The printable invoice: an HTML document. */
export const invoiceDocumentSchema = z.string().check(z.maxLength(200_000));

/** A payment outcome recorded by hand (manual invoicing) or translated from a provider's event. */
export const paymentEventBodySchema = z.strictObject({
  /** Unique per event: the same id again changes nothing. */
  eventId: z.string().check(z.minLength(1), z.maxLength(255)),
  outcome: z.enum(['succeeded', 'failed']),
  /** What was paid, in minor units; must equal the invoice's total for `succeeded`. */
  amount: z.int().check(z.gte(0)),
  currency: z.string().check(z.length(3)),
});
export type PaymentEvent = z.infer<typeof paymentEventBodySchema>;

/** What one run of a region's period close did. */
export const regionCloseReportSchema = z.object({
  tenants: z.int().check(z.gte(0)),
  issued: z
    .array(
      z.object({
        tenantId: tenantIdSchema,
        invoiceId: invoiceIdSchema,
        number: z.string().check(z.maxLength(64)),
        total: minorUnits,
        currency: z.literal(BILLING_CURRENCY),
      }),
    )
    .check(z.maxLength(100_000)),
  suspended: z.array(tenantIdSchema).check(z.maxLength(100_000)),
  failed: z.array(z.object({ tenantId: tenantIdSchema, reason: z.string().check(z.maxLength(2_000)) })).check(z.maxLength(100_000)),
});

/** What the webhook answers: whether the delivery changed an invoice of this region. */
export const webhookReceiptSchema = z.object({ received: z.literal(true), applied: z.boolean() });
