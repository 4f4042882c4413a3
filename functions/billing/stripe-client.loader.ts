import type Stripe from 'stripe';

/**
 * Module specifier of the Stripe client (./stripe-client.ts). The Lambda bundles leave it out and carry it as a file of
 * its own beside `index.js` in the entries that bill (lib/function-bundling.ts), so this require finds it there.
 */
export const STRIPE_CLIENT_MODULE = './stripe-client';

interface StripeClientModule {
  createStripeClient(secretKey: string): Stripe;
}

/** A Stripe client for the API key, the SDK loaded at the first call (never where invoices are collected by hand). */
export function loadStripeClient(secretKey: string): Stripe {
  // A literal require of STRIPE_CLIENT_MODULE: the Lambda bundles leave it as it is, and Lambda resolves it beside index.js.
  const client = require('./stripe-client') as StripeClientModule;
  return client.createStripeClient(secretKey);
}
