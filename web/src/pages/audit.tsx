import { useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Busy, Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

/** The audit log, filtered by action, actor and target, and the hash chain checked on request. */
export function AuditPage() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const [filter, setFilter] = useState<{ action?: string; actor?: string; target?: string }>({});
  const entries = usePaged(
    (cursor) =>
      unwrap(api.GET('/v1/tenants/{tenantId}/audit', { params: { path, query: { limit: 20, order: 'desc', ...filter, ...(cursor ? { cursor } : {}) } } })),
    [tenantId, filter],
  );
  const [verdict, setVerdict] = useState<Schemas['VerifyAuditLogResponse']>();
  const verify = useAction(async () => {
    setVerdict(undefined);
    setVerdict(await unwrap(api.GET('/v1/tenants/{tenantId}/audit/verify', { params: { path } })));
  });
  return (
    <section>
      <h1>Audit log</h1>
      <button type="button" onClick={() => void verify.run()} disabled={verify.busy}>
        Verify chain
      </button>
      <Busy when={verify.busy} label="Checking every entry's hash…" />
      <ProblemView error={verify.error} />
      {verdict ? (
        <p role="status" class={verdict.valid ? 'ok' : 'problem'} data-testid="verdict">
          {verdict.valid
            ? `Chain intact: ${verdict.entries} entries in ${verdict.lanes.length} lanes verified.${unsealedNote(verdict.unsealed)}`
            : `Chain broken at lane ${verdict.firstBroken?.lane}, entry ${verdict.firstBroken?.seq}: ${verdict.firstBroken?.reason} (${verdict.firstBroken?.detail})`}
        </p>
      ) : null}
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const next = { action: formValue(form, 'action'), actor: formValue(form, 'actor'), target: formValue(form, 'target') };
          setFilter(Object.fromEntries(Object.entries(next).filter(([, value]) => value)));
        }}
      >
        <Field label="Action">
          <input name="action" />
        </Field>
        <Field label="Actor">
          <input name="actor" />
        </Field>
        <Field label="Target">
          <input name="target" />
        </Field>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <ProblemView error={entries.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
          </tr>
        </thead>
        <tbody>
          {entries.items.map((entry) => (
            <tr key={entry.id ?? `${entry.lane}-${entry.seq}`}>
              <td>{entry.time}</td>
              <td>{entry.actor}</td>
              <td>{entry.action}</td>
              <td>{entry.target}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={entries} />
    </section>
  );
}

/** The entries verify could not cover yet: written, not sealed into the chain. */
function unsealedNote(unsealed: { entries: number; oldestAgeSeconds?: number }): string {
  if (unsealed.entries === 0) return '';
  return ` ${unsealed.entries} newer entries not sealed yet (oldest ${unsealed.oldestAgeSeconds ?? 0} s ago).`;
}
