/**
 * The rules of a workflow's step graph, independent of storage and HTTP: unique step ids, dependencies that name
 * steps of the same workflow, no cycles, and the order steps run in. A `sequential` workflow runs its steps in the
 * order listed, each one given the previous step's output; a `dag` workflow names each step's dependencies.
 */

export const WORKFLOW_MODES = ['sequential', 'dag'] as const;
export type WorkflowMode = (typeof WORKFLOW_MODES)[number];

/** What the graph rules look at in a step. */
export interface GraphStep {
  readonly id: string;
  readonly dependsOn?: readonly string[];
}

/** A broken rule, located by its path inside the `steps` array (e.g. `[2, 'dependsOn', 0]`). */
export interface GraphIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The steps each step depends on, by step id, in the workflow's mode. */
export function dependenciesOf(mode: WorkflowMode, steps: readonly GraphStep[]): Map<string, readonly string[]> {
  return new Map(steps.map((step, index) => [step.id, mode === 'sequential' ? (index === 0 ? [] : [steps[index - 1].id]) : [...(step.dependsOn ?? [])]]));
}

/**
 * Finds one cycle among the steps, as the list of step ids along it (first id repeated at the end), or undefined
 * when the graph is acyclic. Expects unique ids and known dependencies.
 */
export function findCycle(dependencies: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const trail: string[] = [];
  // Iterative depth-first search, so a long chain of steps cannot overflow the stack.
  for (const start of dependencies.keys()) {
    if (state.has(start)) continue;
    const stack: { id: string; next: number }[] = [{ id: start, next: 0 }];
    state.set(start, 'visiting');
    trail.push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const deps = dependencies.get(top.id) ?? [];
      if (top.next < deps.length) {
        const dep = deps[top.next++];
        const seen = state.get(dep);
        if (seen === 'visiting') return [...trail.slice(trail.indexOf(dep)), dep];
        if (seen === undefined && dependencies.has(dep)) {
          state.set(dep, 'visiting');
          trail.push(dep);
          stack.push({ id: dep, next: 0 });
        }
      } else {
        state.set(top.id, 'done');
        trail.pop();
        stack.pop();
      }
    }
  }
  return undefined;
}

/** Every broken graph rule of the steps, in the order of the steps; empty when the graph is valid. */
export function graphIssues(mode: WorkflowMode, steps: readonly GraphStep[]): GraphIssue[] {
  const issues: GraphIssue[] = [];
  const firstIndex = new Map<string, number>();
  steps.forEach((step, index) => {
    if (firstIndex.has(step.id)) issues.push({ path: [index, 'id'], message: `duplicate step id ${step.id}` });
    else firstIndex.set(step.id, index);
  });
  steps.forEach((step, index) => {
    if (step.dependsOn === undefined) return;
    if (mode === 'sequential') {
      issues.push({ path: [index, 'dependsOn'], message: 'a sequential workflow runs its steps in order: dependsOn is only for mode dag' });
      return;
    }
    const seen = new Set<string>();
    step.dependsOn.forEach((dep, depIndex) => {
      if (!firstIndex.has(dep)) issues.push({ path: [index, 'dependsOn', depIndex], message: `unknown step ${dep}` });
      else if (dep === step.id) issues.push({ path: [index, 'dependsOn', depIndex], message: `step ${dep} depends on itself` });
      else if (seen.has(dep)) issues.push({ path: [index, 'dependsOn', depIndex], message: `step ${dep} is listed twice` });
      seen.add(dep);
    });
  });
  // A cycle is only meaningful once ids are unique and dependencies known; report it then.
  if (issues.length === 0) {
    const cycle = findCycle(dependenciesOf(mode, steps));
    if (cycle) issues.push({ path: [firstIndex.get(cycle[0]) ?? 0, 'dependsOn'], message: `steps form a cycle: ${cycle.join(' -> ')}` });
  }
  return issues;
}

/**
 * The order steps run in: every step after all its dependencies, ties kept in the order listed (so a sequential
 * workflow runs as written). Expects a graph without issues.
 */
export function topologicalOrder(mode: WorkflowMode, steps: readonly GraphStep[]): string[] {
  const dependencies = dependenciesOf(mode, steps);
  const remaining = new Map([...dependencies].map(([id, deps]) => [id, new Set(deps)]));
  const order: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].find(([, deps]) => deps.size === 0);
    if (!ready) throw new Error('the step graph has a cycle');
    const [id] = ready;
    order.push(id);
    remaining.delete(id);
    for (const deps of remaining.values()) deps.delete(id);
  }
  return order;
}
