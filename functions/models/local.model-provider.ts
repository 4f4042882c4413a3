import { createHash } from 'node:crypto';
import { blockedTermsIn, GuardrailBlockedError, type ModelInvocation, type ModelProvider, type ModelResult } from './model-provider';

/** Rough token count (about four characters a token, as for English text with most tokenizers). */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

/**
 * The local platform's model: no network, no weights. The answer is derived from a hash of the model id,
 * instructions and input, so the same invocation always gets the same answer and any change to what a step is
 * given (including its dependencies' outputs) changes it. Token usage is estimated from the text lengths.
 */
export class LocalModelProvider implements ModelProvider {
  readonly name = 'local' as const;

  async invoke(invocation: ModelInvocation): Promise<ModelResult> {
    this.filter(invocation, 'input', `${invocation.instructions}\n${invocation.input}`);
    const answer = this.answer(invocation);
    this.filter(invocation, 'output', answer.output, answer.usage);
    return invocation.credential ? { ...answer, credentialId: invocation.credential.id } : answer;
  }

  /** The local guardrail: a deterministic filter on the tenant's blocked terms, before and after the answer. */
  private filter(invocation: ModelInvocation, source: 'input' | 'output', text: string, usage?: ModelResult['usage']): void {
    const { guardrail } = invocation;
    const matched = blockedTermsIn(text, guardrail);
    if (!guardrail || matched.length === 0) return;
    throw new GuardrailBlockedError({ action: 'blocked', source, guardrailId: guardrail.id, guardrailVersion: guardrail.version, matched }, usage);
  }

  private answer(invocation: ModelInvocation): ModelResult {
    const digest = createHash('sha256')
      .update(JSON.stringify([invocation.modelId, invocation.instructions, invocation.input]))
      .digest('hex');
    const words = invocation.input.split(/\s+/).filter((word) => word.length > 0).length;
    let output = `Deterministic local answer ${digest.slice(0, 32)} from ${invocation.modelId} to ${words} words of input.`;
    let stopReason = 'end_turn';
    const maxChars = invocation.maxOutputTokens === undefined ? undefined : invocation.maxOutputTokens * 4;
    if (maxChars !== undefined && output.length > maxChars) {
      output = output.slice(0, maxChars);
      stopReason = 'max_tokens';
    }
    return {
      output,
      usage: { inputTokens: estimateTokens(invocation.instructions) + estimateTokens(invocation.input), outputTokens: estimateTokens(output) },
      stopReason,
    };
  }
}
