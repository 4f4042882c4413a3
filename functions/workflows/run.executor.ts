import type { ModelInvocation, ModelProvider, ModelResult, TokenUsage } from '../models/model-provider';
import { GuardrailBlockedError, ModelInvocationError } from '../models/model-provider';
import { MAX_STORED_OUTPUT, type StepResult } from './run.schema';
import { dependenciesOf, topologicalOrder, type WorkflowMode } from './workflow.graph';
import type { WorkflowStep } from './workflow.schema';

/** What a step needs of its agent. */
export interface StepAgent {
  readonly agentId: string;
  readonly modelId: string;
  readonly instructions: string;
  readonly status: 'ACTIVE' | 'DISABLED';
}

export interface RunPlan {
  readonly mode: WorkflowMode;
  readonly steps: readonly WorkflowStep[];
  readonly input: string;
  /** The agents the steps name, by id; a missing or disabled one fails its step. */
  readonly agents: ReadonlyMap<string, StepAgent>;
  /** Attribution sent with each model call (tenant, run). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface RunOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly steps: StepResult[];
  readonly usage: TokenUsage;
  readonly error?: string;
}

/** Cap on the tokens one step may generate. */
export const MAX_OUTPUT_TOKENS_PER_STEP = 2_048;

/**
 * What a step is asked: its own prompt, then either the run input (a step without dependencies) or its
 * dependencies' outputs (one output as is, several each under a heading naming its step).
 */
export function stepInput(step: Pick<WorkflowStep, 'prompt'>, runInput: string, dependencyOutputs: readonly (readonly [string, string])[]): string {
  const body =
    dependencyOutputs.length === 0
      ? runInput
      : dependencyOutputs.length === 1
        ? dependencyOutputs[0][1]
        : dependencyOutputs.map(([stepId, output]) => `### Output of step ${stepId}\n${output}`).join('\n\n');
  return [step.prompt, body].filter((part): part is string => part !== undefined && part.length > 0).join('\n\n');
}

/** Bounds of one step's model call. */
export interface StepPolicy {
  /** Longest one model call may take before it counts as failed (and, being retryable, is tried again). */
  readonly timeoutMs: number;
  /** Calls per step at most, the first included; only retryable failures (throttling, timeouts) are tried again. */
  readonly attempts: number;
  /** First backoff; each retry doubles it, capped at `maxDelayMs`, and waits a random part of it (full jitter). */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/**
 * 60 s per call (a 2,048-token answer of the largest plan model takes ~30 s), 4 calls with 0.5–4 s of full-jitter
 * backoff: a step holds its worker for at most ~4.2 min, far below the run lease (see run.worker.ts).
 */
export const DEFAULT_STEP_POLICY: StepPolicy = { timeoutMs: 60_000, attempts: 4, baseDelayMs: 500, maxDelayMs: 4_000 };

/** Longest time one step can hold its worker under a policy: every call timing out and every backoff at its cap. */
export function stepBudgetMs(policy: StepPolicy): number {
  return policy.attempts * policy.timeoutMs + (policy.attempts - 1) * policy.maxDelayMs;
}

/**
 * A step failed in a way that is not the model's answer (a bug, a fault of the platform): the run is not failed at
 * once but handed back to the queue, which tries it again and dead-letters it when it keeps failing.
 */
export class StepCrashedError extends Error {
  constructor(
    readonly stepId: string,
    options?: { cause?: unknown },
  ) {
    super(`step ${stepId} failed unexpectedly`, options);
    this.name = 'StepCrashedError';
  }
}

export interface RunExecutorOptions {
  /** @default Date.now */
  readonly clock?: () => number;
  /** Told of failures that are not the provider's own (bugs): the step is handed back without their detail. */
  readonly onUnexpectedError?: (error: unknown, stepId: string) => void;
  /** @default DEFAULT_STEP_POLICY */
  readonly stepPolicy?: StepPolicy;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Persists a finished step before the next one starts; throwing stops the run where it is (lease lost, cancel). */
export type StepRecorder = (result: StepResult) => Promise<void>;

/**
 * Runs a workflow's steps one after another in topological order, each through the model provider with its agent's
 * model and instructions. The first failing step fails the run; the steps after it are SKIPPED. A run resumes from
 * the results already recorded: those steps are not asked again. Pure apart from the provider, the clock and the
 * recorder: persisting the run is the caller's.
 */
export class RunExecutor {
  private readonly clock: () => number;
  private readonly policy: StepPolicy;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onUnexpectedError: (error: unknown, stepId: string) => void;

  constructor(
    private readonly provider: ModelProvider,
    options: RunExecutorOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.policy = options.stepPolicy ?? DEFAULT_STEP_POLICY;
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.onUnexpectedError = options.onUnexpectedError ?? (() => undefined);
  }

  /** Every step, from the first. */
  execute(plan: RunPlan): Promise<RunOutcome> {
    return this.resume(plan, [], async () => undefined);
  }

  /**
   * The steps after `done` (results recorded by an earlier worker, in the order they ran), each handed to `record`
   * as it finishes; the outcome holds every step, SKIPPED ones included.
   */
  async resume(plan: RunPlan, done: readonly StepResult[], record: StepRecorder): Promise<RunOutcome> {
    const dependencies = dependenciesOf(plan.mode, plan.steps);
    const byId = new Map(plan.steps.map((step) => [step.id, step]));
    const order = topologicalOrder(plan.mode, plan.steps);
    const outputs = new Map<string, string>();
    const results: StepResult[] = [];
    const usage = { inputTokens: 0, outputTokens: 0 };
    let failure: string | undefined;
    for (const [index, stepId] of order.entries()) {
      const step = byId.get(stepId) as WorkflowStep;
      if (failure) {
        results.push({ stepId, agentId: step.agentId, status: 'SKIPPED' });
        continue;
      }
      const previous = done[index];
      if (previous && previous.stepId !== stepId) throw new Error(`recorded step ${previous.stepId} is not step ${stepId} of the workflow`);
      const result = previous
        ? { record: previous, output: previous.output, usage: previous.usage }
        : await this.runStep(
            step,
            plan,
            (dependencies.get(stepId) ?? []).map((dep) => [dep, outputs.get(dep) ?? ''] as const),
          );
      if (!previous) await record(result.record);
      results.push(result.record);
      if (result.usage) {
        usage.inputTokens += result.usage.inputTokens;
        usage.outputTokens += result.usage.outputTokens;
      }
      if (result.record.status === 'FAILED') failure = `step ${stepId} failed: ${result.record.error}`;
      else outputs.set(stepId, result.output ?? '');
    }
    return failure ? { status: 'FAILED', steps: results, usage, error: failure } : { status: 'SUCCEEDED', steps: results, usage };
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }

  private async runStep(
    step: WorkflowStep,
    plan: RunPlan,
    dependencyOutputs: readonly (readonly [string, string])[],
  ): Promise<{ record: StepResult; output?: string; usage?: TokenUsage }> {
    const startedAt = this.now();
    const agent = plan.agents.get(step.agentId);
    const base = { stepId: step.id, agentId: step.agentId, startedAt };
    if (!agent) return { record: { ...base, status: 'FAILED', error: `agent ${step.agentId} does not exist`, finishedAt: startedAt } };
    if (agent.status !== 'ACTIVE') {
      return { record: { ...base, modelId: agent.modelId, status: 'FAILED', error: `agent ${step.agentId} is disabled`, finishedAt: startedAt } };
    }
    try {
      const answer = await this.invokeBounded({
        modelId: agent.modelId,
        instructions: agent.instructions,
        input: stepInput(step, plan.input, dependencyOutputs),
        maxOutputTokens: MAX_OUTPUT_TOKENS_PER_STEP,
        // The agent is part of the attribution: budgets per agent and spend by agent read it.
        metadata: { ...plan.metadata, agentId: step.agentId },
      });
      const truncated = answer.output.length > MAX_STORED_OUTPUT;
      return {
        record: {
          ...base,
          modelId: answer.modelId ?? agent.modelId,
          status: 'SUCCEEDED',
          output: truncated ? answer.output.slice(0, MAX_STORED_OUTPUT) : answer.output,
          ...(truncated ? { outputTruncated: true } : {}),
          ...(answer.stopReason ? { stopReason: answer.stopReason } : {}),
          ...(answer.credentialId ? { credentialId: answer.credentialId } : {}),
          usage: answer.usage,
          finishedAt: this.now(),
        },
        output: answer.output,
        usage: answer.usage,
      };
    } catch (error) {
      // Only the provider's own failures have a reason fit to show and fail the step; anything else is a fault the
      // queue retries (and dead-letters when it persists), recorded without its detail.
      if (!(error instanceof ModelInvocationError)) {
        this.onUnexpectedError(error, step.id);
        throw new StepCrashedError(step.id, { cause: error });
      }
      const blocked = error instanceof GuardrailBlockedError ? { guardrail: guardrailRecordOf(error) } : {};
      return { record: { ...base, modelId: agent.modelId, status: 'FAILED', error: error.reason, ...blocked, finishedAt: this.now() } };
    }
  }

  /** One model call within the step policy: each try bounded by the timeout, retryable failures tried again with jitter. */
  private async invokeBounded(invocation: ModelInvocation): Promise<ModelResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.withTimeout(this.provider.invoke(invocation));
      } catch (error) {
        if (!(error instanceof ModelInvocationError) || !error.retryable || attempt >= this.policy.attempts) throw error;
        const cap = Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
        await this.sleep(Math.floor(this.random() * cap));
      }
    }
  }

  private async withTimeout<T>(call: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ModelInvocationError(`the model did not answer within ${this.policy.timeoutMs / 1000} s`, { retryable: true })),
        this.policy.timeoutMs,
      );
      // A timer must not keep a finished invocation (or a test process) alive.
      timer.unref();
    });
    try {
      return await Promise.race([call, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** What a step records of a guardrail's block. */
function guardrailRecordOf({ verdict }: GuardrailBlockedError): NonNullable<StepResult['guardrail']> {
  const { matched, ...rest } = verdict;
  return { ...rest, ...(matched ? { matched: [...matched] } : {}) };
}
