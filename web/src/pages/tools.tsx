import { useState } from 'preact/hooks';
import { consoleProblem, idempotencyKey, type Schemas, unwrap } from '../api';
import { useConsole } from '../context';
import { Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

type Tool = Schemas['Tool'];
type Endpoint = Tool['endpoint'];

/** The platform's built-in tools, as the API names them. */
const BUILT_IN = ['memory-search', 'memory-write', 'current-time'] as const satisfies readonly Extract<Endpoint, { kind: 'built-in' }>['name'][];

const HTTPS = 'https';

/** Where a tool's calls go, as a person reads it. */
export function endpointLabel(endpoint: Endpoint): string {
  return endpoint.kind === 'http' ? `${endpoint.method} ${endpoint.url}` : `built-in: ${endpoint.name}`;
}

/** The input schema typed in the form: JSON, else a problem that says so before anything is sent. */
function inputSchemaOf(text: string): Record<string, unknown> {
  try {
    return JSON.parse(text === '' ? '{"type":"object"}' : text) as Record<string, unknown>;
  } catch (error) {
    throw consoleProblem(400, 'The input schema is not JSON', error instanceof Error ? error.message : String(error), 'validation-failed');
  }
}

/** Tools agents may call: members define and delete them, viewers read them. */
export function ToolsPage() {
  const { api, tenantId, can } = useConsole();
  const path = { tenantId: tenantId as string };
  const [target, setTarget] = useState<string>(HTTPS);
  const tools = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/tools', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const create = useAction(async (form: HTMLFormElement) => {
    const endpoint: Endpoint =
      target === HTTPS
        ? { kind: 'http', url: formValue(form, 'url'), method: formValue(form, 'method') as 'GET' | 'POST' }
        : { kind: 'built-in', name: target as (typeof BUILT_IN)[number] };
    await unwrap(
      api.POST('/v1/tenants/{tenantId}/tools', {
        params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
        body: {
          name: formValue(form, 'name'),
          description: formValue(form, 'description'),
          inputSchema: inputSchemaOf(formValue(form, 'inputSchema')),
          endpoint,
        },
      }),
    );
    form.reset();
    setTarget(HTTPS);
    tools.reload();
  });
  const remove = useAction(async (toolId: string) => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/tools/{toolId}', { params: { path: { ...path, toolId } } }));
    tools.reload();
  });
  const writable = can('tenantWrite');
  return (
    <section>
      <h1>Tools</h1>
      <p>The tools agents may call, each named by its id in an agent's tool list.</p>
      {writable ? (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void create.run(event.currentTarget);
          }}
        >
          <h2>New tool</h2>
          <Field label="Tool name" hint="Letters, digits, _ or -">
            <input name="name" required pattern="[A-Za-z0-9_\-]{1,64}" />
          </Field>
          <Field label="Description">
            <textarea name="description" rows={2} maxLength={1024} />
          </Field>
          <Field label="Calls">
            <select name="target" value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
              <option value={HTTPS}>an HTTPS endpoint</option>
              {BUILT_IN.map((name) => (
                <option key={name} value={name}>
                  the built-in {name}
                </option>
              ))}
            </select>
          </Field>
          {target === HTTPS ? (
            <>
              <Field label="Endpoint URL">
                <input name="url" type="url" required pattern="https://.*" placeholder="https://" />
              </Field>
              <Field label="Method">
                <select name="method">
                  <option value="POST">POST</option>
                  <option value="GET">GET</option>
                </select>
              </Field>
            </>
          ) : null}
          <Field label="Input schema" hint="A JSON Schema of type object">
            <textarea name="inputSchema" rows={3} defaultValue='{"type":"object"}' />
          </Field>
          <button type="submit" disabled={create.busy}>
            Create tool
          </button>
        </form>
      ) : null}
      <ProblemView error={create.error ?? remove.error ?? tools.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Description</th>
            <th scope="col">Calls</th>
            {writable ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {tools.items.map((tool) => (
            <tr key={tool.toolId}>
              <td>
                {tool.name} <small>({tool.toolId})</small>
              </td>
              <td>{tool.description}</td>
              <td>{endpointLabel(tool.endpoint)}</td>
              {writable ? (
                <td>
                  <button type="button" class="danger" aria-label={`Delete ${tool.name}`} onClick={() => void remove.run(tool.toolId)}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={tools} />
    </section>
  );
}
