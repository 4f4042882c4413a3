import { useState } from 'preact/hooks';
import { idempotencyKey, unwrap } from '../api';
import { useConsole } from '../context';
import { Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

type Filter = { tag?: string; from?: string; to?: string };

/** A page of an agent's memories at a time, filtered; nothing while no agent is chosen. */
function useMemories(api: ReturnType<typeof useConsole>['api'], tenantId: string, agentId: string, filter: Filter) {
  return usePaged(
    async (cursor) =>
      agentId
        ? unwrap(
            api.GET('/v1/tenants/{tenantId}/agents/{agentId}/memories', {
              params: { path: { tenantId, agentId }, query: { limit: 20, ...filter, ...(cursor ? { cursor } : {}) } },
            }),
          )
        : { items: [] },
    [agentId, filter],
  );
}

/** An agent's memories, filtered by tag and time, with a form to add one; members delete them. */
export function MemoriesPage() {
  const { api, tenantId, can } = useConsole();
  const path = { tenantId: tenantId as string };
  const agents = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/agents', { params: { path, query: { limit: 100, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const [agentId, setAgentId] = useState('');
  const [filter, setFilter] = useState<Filter>({});
  const chosen = agentId || agents.items[0]?.agentId || '';
  const memories = useMemories(api, path.tenantId, chosen, filter);
  const add = useAction(async (form: HTMLFormElement) => {
    const tags = formValue(form, 'tags')
      .split(',')
      .map((tag) => tag.trim())
      .filter(Boolean);
    await unwrap(
      api.POST('/v1/tenants/{tenantId}/agents/{agentId}/memories', {
        params: { path: { ...path, agentId: chosen }, header: { 'Idempotency-Key': idempotencyKey() } },
        body: { content: formValue(form, 'content'), tags },
      }),
    );
    form.reset();
    memories.reload();
  });
  const remove = useAction(async (memoryId: string) => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/agents/{agentId}/memories/{memoryId}', { params: { path: { ...path, agentId: chosen, memoryId } } }));
    memories.reload();
  });
  const writable = can('tenantWrite');
  const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);
  return (
    <section>
      <h1>Memories</h1>
      <Field label="Agent">
        <select value={chosen} onChange={(e) => setAgentId(e.currentTarget.value)}>
          {agents.items.map((agent) => (
            <option key={agent.agentId} value={agent.agentId}>
              {agent.name}
            </option>
          ))}
        </select>
      </Field>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const next = { tag: formValue(form, 'tag') || undefined, from: isoOf(formValue(form, 'from')), to: isoOf(formValue(form, 'to')) };
          setFilter(Object.fromEntries(Object.entries(next).filter(([, value]) => value)) as typeof filter);
        }}
      >
        <Field label="Tag">
          <input name="tag" />
        </Field>
        <Field label="From">
          <input name="from" type="datetime-local" />
        </Field>
        <Field label="To">
          <input name="to" type="datetime-local" />
        </Field>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {writable && chosen ? (
        <form
          class="inline"
          onSubmit={(event) => {
            event.preventDefault();
            void add.run(event.currentTarget);
          }}
        >
          <Field label="New memory">
            <input name="content" required />
          </Field>
          <Field label="Tags" hint="separated by commas">
            <input name="tags" />
          </Field>
          <button type="submit" disabled={add.busy}>
            Add
          </button>
        </form>
      ) : null}
      <ProblemView error={agents.error ?? memories.error ?? add.error ?? remove.error} />
      <ul class="memories">
        {memories.items.map((memory) => (
          <li key={memory.memoryId}>
            {memory.content}{' '}
            <small>
              {memory.tags.join(', ')} · {new Date(memory.createdAt).toLocaleString()}
            </small>{' '}
            {writable ? (
              <button type="button" class="danger" aria-label={`Delete the memory "${memory.content}"`} onClick={() => void remove.run(memory.memoryId)}>
                Delete
              </button>
            ) : null}
          </li>
        ))}
      </ul>
      <MoreButton list={memories} />
    </section>
  );
}
