import Stripe from 'stripe';

/**
 * The Stripe SDK's client, in a file of its own: the SDK is larger than the rest of a billing function together, and
 * only regions that collect through Stripe use it. The billing functions' bundles carry it beside `index.js`
 * (lib/function-bundling.ts) and load it at the first use (stripe-client.loader.ts).
 */
export function createStripeClient(secretKey: string): Stripe {
  return new Stripe(secretKey, { maxNetworkRetries: 2 });
}
