import * as fc from 'fast-check';
import { findCycle, graphIssues, topologicalOrder, dependenciesOf, type GraphStep } from '../../../functions/workflows/workflow.graph';
import { createWorkflowBodySchema, updateWorkflowBodySchema } from '../../../functions/workflows/workflow.schema';

/**
 * A random DAG: step i may depend only on steps listed before it in generation order, so there is no cycle; the
 * steps are then shuffled, because a dag workflow may list a step before its dependencies.
 */
const randomDag = fc
  .integer({ min: 1, max: 25 })
  .chain((size) =>
    fc.tuple(
      fc.tuple(...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => j)))),
      fc.shuffledSubarray(
        Array.from({ length: size }, (_, i) => i),
        { minLength: size, maxLength: size },
      ),
    ),
  )
  .map(([deps, order]) => order.map((i): GraphStep => ({ id: `s${i}`, dependsOn: deps[i].map((j) => `s${j}`) })));

/** Ids of every step that `from` depends on, directly or not (the test's own model: a plain walk). */
function ancestors(steps: readonly GraphStep[], from: string): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s.dependsOn ?? []]));
  const seen = new Set<string>();
  const todo = [...(byId.get(from) ?? [])];
  while (todo.length > 0) {
    const id = todo.pop() as string;
    if (!seen.has(id)) {
      seen.add(id);
      todo.push(...(byId.get(id) ?? []));
    }
  }
  return seen;
}

describe('workflow graph rules', () => {
  it('property: every random DAG is accepted and runs each step after all its dependencies', () => {
    fc.assert(
      fc.property(randomDag, (steps) => {
        expect(graphIssues('dag', steps)).toEqual([]);
        const order = topologicalOrder('dag', steps);
        expect([...order].sort()).toEqual(steps.map((s) => s.id).sort());
        const position = new Map(order.map((id, index) => [id, index]));
        for (const step of steps) for (const dep of step.dependsOn ?? []) expect(position.get(dep)).toBeLessThan(position.get(step.id) as number);
      }),
    );
  });

  it('property: adding a back edge that closes a cycle is rejected', () => {
    const withBackEdge = randomDag
      .filter((steps) => steps.some((s) => (s.dependsOn ?? []).length > 0))
      .chain((steps) => {
        const targets = steps.filter((s) => ancestors(steps, s.id).size > 0);
        return fc
          .constantFrom(...targets)
          .chain((later) => fc.constantFrom(...ancestors(steps, later.id)).map((earlier) => ({ steps, later: later.id, earlier })));
      });
    fc.assert(
      fc.property(withBackEdge, ({ steps, later, earlier }) => {
        // `later` depends (transitively) on `earlier`; making `earlier` depend on `later` closes a cycle.
        const cyclic = steps.map((s) => (s.id === earlier ? { ...s, dependsOn: [...(s.dependsOn ?? []), later] } : s));
        const issues = graphIssues('dag', cyclic);
        expect(issues).toHaveLength(1);
        expect(issues[0].message).toMatch(/^steps form a cycle: /);
        const cycle = findCycle(dependenciesOf('dag', cyclic)) as string[];
        expect(cycle[0]).toBe(cycle[cycle.length - 1]);
        expect(cycle).toEqual(expect.arrayContaining([earlier, later]));
      }),
    );
  });

  it('property: a sequential workflow is accepted whatever its unique ids and runs in the order listed', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: 1, maxLength: 25 }), (ids) => {
        const steps = ids.map((id) => ({ id }));
        expect(graphIssues('sequential', steps)).toEqual([]);
        expect(topologicalOrder('sequential', steps)).toEqual(ids);
      }),
    );
  });

  it('rejects a step that depends on itself', () => {
    expect(graphIssues('dag', [{ id: 'a', dependsOn: ['a'] }])).toEqual([{ path: [0, 'dependsOn', 0], message: 'step a depends on itself' }]);
  });

  it('rejects duplicate step ids', () => {
    expect(graphIssues('dag', [{ id: 'a' }, { id: 'b' }, { id: 'a' }])).toEqual([{ path: [2, 'id'], message: 'duplicate step id a' }]);
  });

  it('rejects a dependency on a step the workflow does not have', () => {
    expect(graphIssues('dag', [{ id: 'a', dependsOn: ['ghost'] }])).toEqual([{ path: [0, 'dependsOn', 0], message: 'unknown step ghost' }]);
  });

  it('rejects a dependency listed twice', () => {
    expect(graphIssues('dag', [{ id: 'a' }, { id: 'b', dependsOn: ['a', 'a'] }])[0].message).toBe('step a is listed twice');
  });

  it('rejects dependsOn in a sequential workflow', () => {
    expect(graphIssues('sequential', [{ id: 'a' }, { id: 'b', dependsOn: ['a'] }])[0].path).toEqual([1, 'dependsOn']);
  });

  it('names the steps of a three-step cycle', () => {
    const steps = [
      { id: 'a', dependsOn: ['c'] },
      { id: 'b', dependsOn: ['a'] },
      { id: 'c', dependsOn: ['b'] },
    ];
    expect(graphIssues('dag', steps)).toEqual([{ path: [0, 'dependsOn'], message: 'steps form a cycle: a -> c -> b -> a' }]);
  });

  it('orders a diamond with ties in the order listed', () => {
    const steps = [{ id: 'join', dependsOn: ['left', 'right'] }, { id: 'right', dependsOn: ['root'] }, { id: 'left', dependsOn: ['root'] }, { id: 'root' }];
    expect(topologicalOrder('dag', steps)).toEqual(['root', 'right', 'left', 'join']);
  });
});

describe('workflow body schemas', () => {
  const agentStep = (id: string, dependsOn?: string[]) => ({ id, agentId: 'agent-1', ...(dependsOn ? { dependsOn } : {}) });

  it('defaults the mode to sequential', () => {
    const body = createWorkflowBodySchema.parse({ name: 'W', steps: [agentStep('a'), agentStep('b')] });
    expect(body.mode).toBe('sequential');
  });

  it('reports a cycle at the step that closes it, under body.steps', () => {
    // Act
    const result = createWorkflowBodySchema.safeParse({ name: 'W', mode: 'dag', steps: [agentStep('a', ['b']), agentStep('b', ['a'])] });
    // Assess
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['steps.0.dependsOn', 'steps form a cycle: a -> b -> a']]);
  });

  it.each([
    ['an empty name', { name: '', steps: [agentStep('a')] }],
    ['no steps', { name: 'W', steps: [] }],
    ['an unknown member', { name: 'W', steps: [agentStep('a')], extra: 1 }],
    ['an agent id with #', { name: 'W', steps: [{ ...agentStep('a'), agentId: 'has#hash' }] }],
    ['26 steps', { name: 'W', steps: Array.from({ length: 26 }, (_, i) => agentStep(`s${i}`)) }],
  ])('rejects a body with %s', (_label, body) => {
    expect(createWorkflowBodySchema.safeParse(body).success).toBe(false);
  });

  it.each([[{}], [{ mode: 'dag' }], [{ steps: [agentStep('a')] }], [{ mode: 'dag', steps: [agentStep('a', ['a'])] }]])('rejects the update %j', (body) => {
    expect(updateWorkflowBodySchema.safeParse(body).success).toBe(false);
  });

  it('accepts an update of the name alone', () => {
    expect(updateWorkflowBodySchema.parse({ name: 'Renamed' })).toEqual({ name: 'Renamed' });
  });
});
