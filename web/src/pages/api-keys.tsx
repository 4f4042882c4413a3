import { useState } from 'preact/hooks';
import { idempotencyKey, unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';

/** API keys: a new key is shown once, with a copy button; revoked keys stop working at once. */
export function ApiKeysPage() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const keys = usePaged(
    (cursor) => unwrap(api.GET('/v1/tenants/{tenantId}/api-keys', { params: { path, query: { limit: 20, ...(cursor ? { cursor } : {}) } } })),
    [tenantId],
  );
  const [created, setCreated] = useState<Schemas['CreateApiKeyResponse']>();
  const [copied, setCopied] = useState(false);
  const create = useAction(async (name: string, role: Schemas['CreateApiKeyRequest']['role']) => {
    setCopied(false);
    setCreated(
      await unwrap(api.POST('/v1/tenants/{tenantId}/api-keys', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } }, body: { name, role } })),
    );
    keys.reload();
  });
  const revoke = useAction(async (keyId: string) => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/api-keys/{keyId}', { params: { path: { ...path, keyId } } }));
    keys.reload();
  });
  return (
    <section>
      <h1>API keys</h1>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(formValue(event.currentTarget, 'name'), formValue(event.currentTarget, 'role') as Schemas['CreateApiKeyRequest']['role']);
        }}
      >
        <Field label="Name">
          <input name="name" required />
        </Field>
        <Field label="Role">
          <select name="role">
            <option value="member">member</option>
            <option value="viewer">viewer</option>
            <option value="auditor">auditor</option>
            <option value="tenant-admin">tenant-admin</option>
          </select>
        </Field>
        <button type="submit" disabled={create.busy}>
          Create key
        </button>
      </form>
      <ProblemView error={create.error ?? revoke.error ?? keys.error} />
      {created?.key ? (
        <div class="secret" role="status">
          <p>
            The key <strong>{created.name}</strong> is shown only now: copy it and keep it safe.
          </p>
          <code data-testid="new-key">{created.key}</code>{' '}
          <button
            type="button"
            class="secondary"
            onClick={() =>
              void navigator.clipboard.writeText(created.key as string).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
      ) : null}
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Prefix</th>
            <th scope="col">Role</th>
            <th scope="col">State</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {keys.items.map((key) => (
            <tr key={key.keyId}>
              <td>{key.name}</td>
              <td>
                <code>{key.prefix}…</code>
              </td>
              <td>{key.role}</td>
              <td>{key.revokedAt ? `revoked ${key.revokedAt}` : 'active'}</td>
              <td>
                {key.revokedAt ? null : (
                  <button type="button" class="danger" onClick={() => void revoke.run(key.keyId)}>
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={keys} />
    </section>
  );
}
