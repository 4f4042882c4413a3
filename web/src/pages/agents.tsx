import { idempotencyKey, unwrap } from '../api';
import { useConsole } from '../context';
import { Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

export const DEFAULT_MODEL_ID = 'amazon.nova-lite-v1:0';

/** Agents: members create and delete them, viewers read them. */
export function AgentsPage() {
  const { api, tenantId, can } = useConsole();
  const path = { tenantId: tenantId as string };
  const agents = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/agents', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  // The tools an agent may be given: the first page of the tenant's tools (the Tools page lists them all).
  const tools = usePaged(() => unwrap(api.GET('/v1/tenants/{tenantId}/tools', { params: { path, query: { limit: 100 } } })), [tenantId]);
  const toolNames = new Map(tools.items.map((tool) => [tool.toolId, tool.name]));
  const create = useAction(async (form: HTMLFormElement) => {
    const toolIds = [...form.querySelectorAll<HTMLInputElement>('input[name="toolIds"]:checked')].map((box) => box.value);
    await unwrap(
      api.POST('/v1/tenants/{tenantId}/agents', {
        params: { path, header: { 'Idempotency-Key': idempotencyKey() } },
        body: { name: formValue(form, 'name'), modelId: formValue(form, 'modelId'), instructions: formValue(form, 'instructions'), toolIds },
      }),
    );
    form.reset();
    agents.reload();
  });
  const remove = useAction(async (agentId: string) => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/agents/{agentId}', { params: { path: { ...path, agentId } } }));
    agents.reload();
  });
  const writable = can('tenantWrite');
  return (
    <section>
      <h1>Agents</h1>
      {writable ? (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void create.run(event.currentTarget);
          }}
        >
          <h2>New agent</h2>
          <Field label="Name">
            <input name="name" required />
          </Field>
          <Field label="Model">
            <input name="modelId" required defaultValue={DEFAULT_MODEL_ID} />
          </Field>
          <Field label="Instructions">
            <textarea name="instructions" rows={3} />
          </Field>
          {tools.items.length > 0 ? (
            <fieldset>
              <legend>Tools it may call</legend>
              {tools.items.map((tool) => (
                <label key={tool.toolId} class="check">
                  <input type="checkbox" name="toolIds" value={tool.toolId} /> {tool.name}
                </label>
              ))}
            </fieldset>
          ) : null}
          <button type="submit" disabled={create.busy}>
            Create agent
          </button>
        </form>
      ) : null}
      <ProblemView error={create.error ?? remove.error ?? agents.error ?? tools.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Model</th>
            <th scope="col">Tools</th>
            <th scope="col">Status</th>
            {writable ? <th scope="col">Actions</th> : null}
          </tr>
        </thead>
        <tbody>
          {agents.items.map((agent) => (
            <tr key={agent.agentId}>
              <td>
                {agent.name} <small>({agent.agentId})</small>
              </td>
              <td>{agent.modelId}</td>
              <td>{agent.toolIds.map((toolId) => toolNames.get(toolId) ?? toolId).join(', ')}</td>
              <td>{agent.status}</td>
              {writable ? (
                <td>
                  <button type="button" class="danger" onClick={() => void remove.run(agent.agentId)}>
                    Delete
                  </button>
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={agents} />
    </section>
  );
}
