import { useEffect, useState } from 'preact/hooks';
import { graphIssues, type WorkflowMode } from '../../../functions/workflows/workflow.graph';
import { idempotencyKey, unwrap, type Schemas } from '../api';
import { navigate, useConsole } from '../context';
import { Busy, Field, MoreButton, ProblemView, useAction, usePaged } from '../ui';

type Step = Schemas['Workflow']['steps'][number];
type Run = Schemas['WorkflowRun'];

const TERMINAL: ReadonlySet<Run['status']> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
const POLL_MS = 1000;

/** The editor's own checks, the API's graph rules plus known agents: a mistake is shown before anything is sent. */
export function stepIssues(mode: WorkflowMode, steps: readonly Step[], agentIds: ReadonlySet<string>): string[] {
  const unknown = steps.filter((step) => !agentIds.has(step.agentId)).map((step) => `step ${step.id || '(no id)'}: choose one of the tenant's agents`);
  const empty = steps.filter((step) => !step.id).map((_, index) => `step ${index + 1}: give it an id`);
  const graph = graphIssues(mode, steps).map((issue) => `step ${Number(issue.path[0]) + 1}: ${issue.message}`);
  return [...empty, ...unknown, ...graph];
}

function StepEditor({ agents, onCreated }: { agents: readonly Schemas['Agent'][]; onCreated: () => void }) {
  const { api, tenantId } = useConsole();
  const [name, setName] = useState('');
  const [mode, setMode] = useState<WorkflowMode>('sequential');
  const [steps, setSteps] = useState<Step[]>([{ id: 'step-1', agentId: agents[0]?.agentId ?? '', prompt: '' }]);
  const agentIds = new Set(agents.map((agent) => agent.agentId));
  const issues = stepIssues(mode, steps, agentIds);
  const update = (index: number, change: Partial<Step>) => setSteps((all) => all.map((step, i) => (i === index ? { ...step, ...change } : step)));
  const create = useAction(async () => {
    const body = {
      name,
      mode,
      steps: steps.map((step) => (mode === 'dag' ? { ...step, dependsOn: step.dependsOn ?? [] } : { id: step.id, agentId: step.agentId, prompt: step.prompt })),
    };
    await unwrap(
      api.POST('/v1/tenants/{tenantId}/workflows', {
        params: { path: { tenantId: tenantId as string }, header: { 'Idempotency-Key': idempotencyKey() } },
        body,
      }),
    );
    setName('');
    onCreated();
  });
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        if (issues.length === 0) void create.run();
      }}
    >
      <h2>New workflow</h2>
      <Field label="Workflow name">
        <input name="workflowName" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <Field label="Mode" hint="sequential: each step gets the previous step's output; dag: steps name what they depend on">
        <select name="mode" value={mode} onChange={(e) => setMode(e.currentTarget.value as WorkflowMode)}>
          <option value="sequential">sequential</option>
          <option value="dag">dag</option>
        </select>
      </Field>
      <ol class="steps">
        {steps.map((step, index) => (
          <li key={index}>
            <fieldset>
              <legend>Step {index + 1}</legend>
              <Field label="Step id">
                <input value={step.id} required onInput={(e) => update(index, { id: e.currentTarget.value })} />
              </Field>
              <Field label="Agent">
                <select value={step.agentId} onChange={(e) => update(index, { agentId: e.currentTarget.value })}>
                  <option value="">(choose an agent)</option>
                  {agents.map((agent) => (
                    <option key={agent.agentId} value={agent.agentId}>
                      {agent.name}
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="Prompt">
                <input value={step.prompt ?? ''} onInput={(e) => update(index, { prompt: e.currentTarget.value })} />
              </Field>
              {mode === 'dag' ? (
                <Field label="Depends on" hint="step ids, separated by commas">
                  <input
                    value={(step.dependsOn ?? []).join(', ')}
                    onInput={(e) =>
                      update(index, {
                        dependsOn: e.currentTarget.value
                          .split(',')
                          .map((id) => id.trim())
                          .filter(Boolean),
                      })
                    }
                  />
                </Field>
              ) : null}
              <button type="button" class="secondary" disabled={steps.length === 1} onClick={() => setSteps((all) => all.filter((_, i) => i !== index))}>
                Remove step {index + 1}
              </button>
            </fieldset>
          </li>
        ))}
      </ol>
      <button
        type="button"
        class="secondary"
        onClick={() => setSteps((all) => [...all, { id: `step-${all.length + 1}`, agentId: agents[0]?.agentId ?? '', prompt: '' }])}
      >
        Add a step
      </button>
      {issues.length > 0 ? (
        <ul class="issues" aria-live="polite">
          {issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      ) : null}
      <button type="submit" disabled={create.busy || issues.length > 0}>
        Create workflow
      </button>
      <ProblemView error={create.error} />
    </form>
  );
}

/** Workflows of the tenant, with the step editor for those who may write. */
export function WorkflowsPage() {
  const { api, tenantId, can } = useConsole();
  const path = { tenantId: tenantId as string };
  const workflows = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/workflows', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const agents = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/agents', { params: { path, query: { limit: 100, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  return (
    <section>
      <h1>Workflows</h1>
      {can('tenantWrite') && !agents.loading ? <StepEditor agents={agents.items} onCreated={workflows.reload} /> : null}
      <ProblemView error={workflows.error ?? agents.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Mode</th>
            <th scope="col">Steps</th>
          </tr>
        </thead>
        <tbody>
          {workflows.items.map((workflow) => (
            <tr key={workflow.workflowId}>
              <td>
                <a href={`#/workflow/${workflow.workflowId}`}>{workflow.name}</a>
              </td>
              <td>{workflow.mode}</td>
              <td>{workflow.steps.map((step) => step.id).join(' → ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={workflows} />
    </section>
  );
}

function RunView({ run, onCancel, cancelling }: { run: Run; onCancel?: () => void; cancelling: boolean }) {
  const cancellable = onCancel && (run.status === 'QUEUED' || run.status === 'RUNNING') && !run.cancelRequested;
  return (
    <div class="run" data-testid="run" data-status={run.status}>
      <p role="status" aria-live="polite">
        Run <code>{run.runId}</code>: <strong>{run.status}</strong>
        {run.cancelRequested && !TERMINAL.has(run.status) ? ' · cancelling before its next step' : ''}
        {run.usage ? ` · ${run.usage.inputTokens} input and ${run.usage.outputTokens} output tokens` : ''}
      </p>
      {!TERMINAL.has(run.status) ? <progress aria-label="Run progress" /> : null}
      {cancellable ? (
        <button type="button" class="danger" disabled={cancelling} onClick={onCancel}>
          {cancelling ? 'Cancelling…' : 'Cancel run'}
        </button>
      ) : null}
      {run.error ? <p class="problem">{run.error}</p> : null}
      <ol>
        {(run.steps ?? []).map((step) => (
          <li key={step.stepId}>
            <strong>{step.stepId}</strong> {step.status}
            {step.usage ? ` (${step.usage.inputTokens} in / ${step.usage.outputTokens} out tokens)` : ''}
            {step.output ? <pre>{step.output}</pre> : null}
            {step.error ? <p class="problem">{step.error}</p> : null}
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The run shown, polled until it ends: a QUEUED or RUNNING run (started here or picked from the list) is followed live. */
function useFollowedRun(api: ReturnType<typeof useConsole>['api'], path: { tenantId: string; workflowId: string }, onEnd: () => void) {
  const [run, setRun] = useState<Run>();
  const runId = run?.runId;
  const ended = run ? TERMINAL.has(run.status) : true;
  useEffect(() => {
    if (!runId || ended) return;
    let stopped = false;
    const timer = setInterval(() => {
      unwrap(api.GET('/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}', { params: { path: { ...path, runId } } })).then(
        (current) => {
          if (stopped) return;
          setRun(current);
          if (TERMINAL.has(current.status)) onEnd();
        },
        () => undefined,
      );
    }, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [runId, ended]);
  return [run, setRun] as const;
}

/** One workflow: its steps, its runs, and a run started here followed until it ends (queued runs included). */
export function WorkflowPage({ param }: { param?: string }) {
  const { api, tenantId, can } = useConsole();
  const path = { tenantId: tenantId as string, workflowId: param ?? '' };
  const [workflow, setWorkflow] = useState<Schemas['Workflow']>();
  const [loadError, setLoadError] = useState<unknown>();
  const [input, setInput] = useState('');
  const runs = usePaged(
    (cursor) =>
      unwrap(api.GET('/v1/tenants/{tenantId}/workflows/{workflowId}/runs', { params: { path, query: { limit: 10, ...(cursor ? { cursor } : {}) } } })),
    [param],
  );
  const [run, setRun] = useFollowedRun(api, path, () => runs.reload());
  useEffect(() => {
    unwrap(api.GET('/v1/tenants/{tenantId}/workflows/{workflowId}', { params: { path } })).then(setWorkflow, setLoadError);
  }, [param]);
  const start = useAction(async () => {
    setRun(
      await unwrap(
        api.POST('/v1/tenants/{tenantId}/workflows/{workflowId}/runs', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } }, body: { input } }),
      ),
    );
    runs.reload();
  });
  const cancel = useAction(async (runId: string) => {
    const answer = await unwrap(
      api.POST('/v1/tenants/{tenantId}/workflows/{workflowId}/runs/{runId}/cancel', {
        params: { path: { ...path, runId }, header: { 'Idempotency-Key': idempotencyKey() } },
      }),
    );
    setRun(answer);
    if (TERMINAL.has(answer.status)) runs.reload();
  });
  if (loadError) return <ProblemView error={loadError} />;
  if (!workflow) return <Busy when label="Loading the workflow…" />;
  return (
    <section>
      <p>
        <button type="button" class="link" onClick={() => navigate('/workflows')}>
          ← Workflows
        </button>
      </p>
      <h1>{workflow.name}</h1>
      <p>
        {workflow.mode}: {workflow.steps.map((step) => step.id).join(' → ')}
      </p>
      {can('tenantWrite') ? (
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            void start.run();
          }}
        >
          <Field label="Run input">
            <input name="input" value={input} onInput={(e) => setInput(e.currentTarget.value)} />
          </Field>
          <button type="submit" disabled={start.busy}>
            {start.busy ? 'Starting…' : 'Start run'}
          </button>
        </form>
      ) : null}
      <ProblemView error={start.error ?? cancel.error} />
      {run ? <RunView run={run} cancelling={cancel.busy} onCancel={can('tenantWrite') ? () => void cancel.run(run.runId) : undefined} /> : null}
      <h2>Earlier runs</h2>
      <ProblemView error={runs.error} />
      <ul>
        {runs.items.map((item) => (
          <li key={item.runId}>
            <button type="button" class="link" onClick={() => setRun(item)}>
              {item.createdAt} · {item.status}
            </button>
          </li>
        ))}
      </ul>
      <MoreButton list={runs} />
    </section>
  );
}
