import type { RouteDefinition } from '../core/route';
import { ACCESS } from '../core/roles';
import {
  regionCloseReportSchema,
  invoiceDocumentSchema,
  invoiceListPathSchema,
  invoiceListSchema,
  invoicePathSchema,
  invoiceSchema,
  paymentEventBodySchema,
  webhookReceiptSchema,
} from './invoice.schema';

/**
 * The routes of invoices and payments, part of the `tenants` group's list (tenant.routes.ts) beside the subscription
 * (the same data role, the same tenant partition). Invoices stay readable while a tenant is suspended: an unpaid invoice is often why.
 */
export const BILLING_ROUTES = [
  {
    operationId: 'listInvoices',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/invoices',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: "The tenant's invoices, newest period first: line items, totals in minor units, payment state",
    request: { path: invoiceListPathSchema },
    response: invoiceListSchema,
    allowedWhenSuspended: true,
  },
  {
    operationId: 'getInvoice',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/invoices/{invoiceId}',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: 'One invoice of the tenant, named by the month of its period (YYYY-MM)',
    request: { path: invoicePathSchema },
    response: invoiceSchema,
    allowedWhenSuspended: true,
  },
  {
    operationId: 'getInvoiceDocument',
    method: 'GET',
    path: '/v1/tenants/{tenantId}/invoices/{invoiceId}/document',
    group: 'tenants',
    access: ACCESS.tenantAdmin,
    summary: 'The printable invoice as an HTML document (print or save it as PDF from the browser)',
    request: { path: invoicePathSchema },
    response: invoiceDocumentSchema,
    responseMediaType: 'text/html',
    allowedWhenSuspended: true,
  },
  {
    operationId: 'recordInvoicePayment',
    method: 'POST',
    path: '/v1/tenants/{tenantId}/invoices/{invoiceId}/payments',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary:
      'Record a payment outcome of a manually invoiced invoice (once per eventId); a failure makes the subscription past_due, its later success active again',
    request: { path: invoicePathSchema, body: paymentEventBodySchema },
    response: invoiceSchema,
    allowedWhenSuspended: true,
  },
  {
    operationId: 'closeBillingPeriods',
    method: 'POST',
    path: '/v1/billing/period-close',
    group: 'tenants',
    access: ACCESS.platformAdmin,
    summary:
      "Close the ended billing periods of this region's tenants now (as the schedule does): one invoice per tenant and period, suspensions past the grace days; running it again issues nothing new",
    request: {},
    response: regionCloseReportSchema,
  },
  {
    operationId: 'receiveStripeWebhook',
    method: 'POST',
    path: '/v1/billing/webhooks/stripe',
    group: 'tenants',
    access: ACCESS.public,
    summary: "Stripe's webhook: payment intent outcomes, verified by the Stripe-Signature header and applied once per event id",
    request: {},
    response: webhookReceiptSchema,
  },
] as const satisfies readonly RouteDefinition<'tenants'>[];
