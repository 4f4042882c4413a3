import { pricesOf, type ModelPrice } from '../billing/pricing.catalogue';
import type { ModelInvocation, TokenUsage } from '../models/model-provider';

/**
 * Money of model calls in integer micro-dollars, from the price table. A call's reservation must be an upper bound
 * of its cost, or concurrent calls could together pass the cap: input is bounded by its UTF-8 length in bytes (every
 * tokenizer of the catalogue's models makes at most one token per byte), output by the call's `maxOutputTokens`.
 */

/** Output tokens assumed for a call that names no cap (the largest `maxTokens` the catalogue's models take). */
export const UNCAPPED_OUTPUT_TOKENS = 8_192;

/** Tokens a provider adds around the prompt (message framing, system prompt markers). */
export const FRAMING_TOKENS = 64;

/** The model's prices in a region (the table's default for a model it does not list). */
export function modelPriceOf(region: string, modelId: string): ModelPrice {
  const prices = pricesOf(region);
  return prices.models[modelId] ?? prices.defaultModel;
}

/** The cost of the tokens, rounded up to a whole micro-dollar. */
export function costMicros(price: ModelPrice, usage: TokenUsage): number {
  // Prices are per 1,000 tokens in dollars: × 1,000,000 micro-dollars / 1,000 tokens.
  const exact = (usage.inputTokens * price.inputPer1k + usage.outputTokens * price.outputPer1k) * 1_000;
  // Float products such as 3 × 0.0008 × 1000 land a hair above the integer they mean: trim that before rounding up.
  return Math.ceil(Math.round(exact * 1e6) / 1e6);
}

/** The most tokens the invocation can use. */
export function tokenBoundOf(invocation: Pick<ModelInvocation, 'instructions' | 'input' | 'maxOutputTokens'>): TokenUsage {
  return {
    inputTokens: Buffer.byteLength(invocation.instructions, 'utf8') + Buffer.byteLength(invocation.input, 'utf8') + FRAMING_TOKENS,
    outputTokens: invocation.maxOutputTokens ?? UNCAPPED_OUTPUT_TOKENS,
  };
}

/** The reservation of a call: the cost of its token bound. */
export function estimateMicros(price: ModelPrice, invocation: Pick<ModelInvocation, 'instructions' | 'input' | 'maxOutputTokens'>): number {
  return costMicros(price, tokenBoundOf(invocation));
}
