import * as z from '../core/zod';

/**
 * How invoices are collected: `manual` (the default: an operator records payments) or `stripe` (payment intents,
 * outcomes through the webhook), with the Stripe API key and the webhook endpoint's signing secret. Both secrets
 * may be given by reference (`STRIPE_SECRET_KEY_ARN`, `STRIPE_WEBHOOK_SECRET_ARN`, see core/secrets.ts).
 */
export const paymentEnvShape = {
  PAYMENT_PROVIDER: z._default(z.enum(['manual', 'stripe']), 'manual'),
  STRIPE_SECRET_KEY: z.optional(z.string().check(z.minLength(1))),
  STRIPE_WEBHOOK_SECRET: z.optional(z.string().check(z.minLength(1))),
};
