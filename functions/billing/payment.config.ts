import * as z from 'zod';

/**
 * How invoices are collected: `manual` (the default: an operator records payments) or `stripe` (payment intents,
 * outcomes through the webhook), with the Stripe API key and the webhook endpoint's signing secret. Both secrets
 * may be given by reference (`STRIPE_SECRET_KEY_ARN`, `STRIPE_WEBHOOK_SECRET_ARN`, see core/secrets.ts).
 */
export const paymentEnvShape = {
  PAYMENT_PROVIDER: z.enum(['manual', 'stripe']).default('manual'),
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
};
