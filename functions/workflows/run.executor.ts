import type { ModelProvider, TokenUsage } from '../models/model-provider';
import { ModelInvocationError } from '../models/model-provider';
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

/**
 * Runs a workflow's steps one after another in topological order, each through the model provider with its agent's
 * model and instructions. The first failing step fails the run; the steps after it are SKIPPED. Pure apart from the
 * provider and the clock: persisting the run is the caller's.
 */
export class RunExecutor {
  constructor(
    private readonly provider: ModelProvider,
    private readonly clock: () => number = Date.now,
    /** Told of failures that are not the provider's own (bugs): the run records them without their detail. */
    private readonly onUnexpectedError: (error: unknown, stepId: string) => void = () => undefined,
  ) {}

  async execute(plan: RunPlan): Promise<RunOutcome> {
    const dependencies = dependenciesOf(plan.mode, plan.steps);
    const byId = new Map(plan.steps.map((step) => [step.id, step]));
    const outputs = new Map<string, string>();
    const results: StepResult[] = [];
    const usage = { inputTokens: 0, outputTokens: 0 };
    let failure: string | undefined;
    for (const stepId of topologicalOrder(plan.mode, plan.steps)) {
      const step = byId.get(stepId) as WorkflowStep;
      if (failure) {
        results.push({ stepId, agentId: step.agentId, status: 'SKIPPED' });
        continue;
      }
      const result = await this.runStep(step, plan, (dependencies.get(stepId) ?? []).map((dep) => [dep, outputs.get(dep) ?? ''] as const));
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
      const answer = await this.provider.invoke({
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
          usage: answer.usage,
          finishedAt: this.now(),
        },
        output: answer.output,
        usage: answer.usage,
      };
    } catch (error) {
      // Only the provider's own failures have a reason fit to show; anything else is recorded without its detail.
      if (!(error instanceof ModelInvocationError)) this.onUnexpectedError(error, step.id);
      const reason = error instanceof ModelInvocationError ? error.reason : 'the model call failed';
      return { record: { ...base, modelId: agent.modelId, status: 'FAILED', error: reason, finishedAt: this.now() } };
    }
  }
}
