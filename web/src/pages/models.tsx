import { useState } from 'preact/hooks';
import { idempotencyKey, type Schemas, unwrap } from '../api';
import { useConsole } from '../context';
import { Busy, Field, formValue, orNothing, ProblemView, useAction, useRead } from '../ui';

type Credential = Schemas['ModelCredential'];

/** Words of a list typed one per line or comma-separated, trimmed, empty ones dropped. */
function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((word) => word.trim())
    .filter((word) => word !== '');
}

/** The model policy, or null when the tenant has none (the API answers 404 then); `reload` reads it again. */
function usePolicy() {
  const { api, tenantId } = useConsole();
  const { value, error, reload } = useRead(
    () => orNothing(unwrap(api.GET('/v1/tenants/{tenantId}/model-policy', { params: { path: { tenantId: tenantId as string } } }))),
    [api, tenantId],
  );
  return { policy: value, error, reload };
}

/** The tenant's model credentials (never their secrets); `reload` reads them again. */
function useCredentials() {
  const { api, tenantId } = useConsole();
  const { value, error, reload } = useRead(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/model-credentials', { params: { path: { tenantId: tenantId as string } } })),
    [api, tenantId],
  );
  return { credentials: value?.items ?? [], error, reload };
}

/** Which models the tenant's agents may use and the guardrail on every run step: set, changed (If-Match) or removed. */
function PolicySection() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const { policy, error, reload } = usePolicy();
  const save = useAction(async (form: HTMLFormElement) => {
    const allowedModels = listOf(formValue(form, 'allowedModels'));
    const guardrailId = formValue(form, 'guardrailId');
    const body: Schemas['SetModelPolicyRequest'] = {
      ...(allowedModels.length > 0 ? { allowedModels } : {}),
      ...(guardrailId
        ? { guardrail: { id: guardrailId, version: formValue(form, 'guardrailVersion') || 'DRAFT', blockedTerms: listOf(formValue(form, 'blockedTerms')) } }
        : {}),
    };
    const header = policy ? { 'If-Match': `"${policy.version}"` } : undefined;
    await unwrap(api.PUT('/v1/tenants/{tenantId}/model-policy', { params: { path, ...(header ? { header } : {}) }, body }));
    reload();
  });
  const remove = useAction(async () => {
    if (!policy) return;
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/model-policy', { params: { path, header: { 'If-Match': `"${policy.version}"` } } }));
    reload();
  });
  if (policy === undefined && !error) return <Busy when label="Loading the model policy…" />;
  return (
    <>
      <h2>Allowed models</h2>
      <dl class="facts" data-testid="model-policy">
        <dt>Models agents may use</dt>
        <dd>{policy?.allowedModels?.join(', ') ?? "Every model of the tenant's plan"}</dd>
        <dt>Guardrail</dt>
        <dd>{policy?.guardrail ? `${policy.guardrail.id} (version ${policy.guardrail.version})` : 'None'}</dd>
      </dl>
      <form
        class="stack"
        key={policy?.version ?? 0}
        onSubmit={(event) => {
          event.preventDefault();
          void save.run(event.currentTarget);
        }}
      >
        <Field label="Allowed models" hint="One model id per line; empty for every model of the plan">
          <textarea name="allowedModels" rows={3} defaultValue={policy?.allowedModels?.join('\n') ?? ''} />
        </Field>
        <Field label="Guardrail id" hint="An Amazon Bedrock guardrail id or ARN; empty for none">
          <input name="guardrailId" defaultValue={policy?.guardrail?.id ?? ''} />
        </Field>
        <Field label="Guardrail version" hint="DRAFT or a version number">
          <input name="guardrailVersion" defaultValue={policy?.guardrail?.version ?? 'DRAFT'} />
        </Field>
        <Field label="Blocked terms" hint="One per line or comma-separated (the local platform's stand-in for the guardrail's word filters)">
          <textarea name="blockedTerms" rows={2} defaultValue={policy?.guardrail?.blockedTerms.join('\n') ?? ''} />
        </Field>
        <button type="submit" disabled={save.busy}>
          Save model policy
        </button>
        {policy ? (
          <button type="button" class="secondary" disabled={remove.busy} onClick={() => void remove.run()}>
            Remove model policy
          </button>
        ) : null}
      </form>
      <ProblemView error={save.error ?? remove.error ?? error} />
    </>
  );
}

/** The tenant's own model-provider credentials: registered (the secret is sent once, never shown again) and deleted. */
function CredentialsSection() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const { credentials, error, reload } = useCredentials();
  const [kind, setKind] = useState<Credential['kind']>('api-key');
  const create = useAction(async (form: HTMLFormElement) => {
    const label = formValue(form, 'label');
    const body: Schemas['CreateModelCredentialRequest'] =
      kind === 'api-key'
        ? { kind, provider: 'bedrock', apiKey: formValue(form, 'apiKey'), ...(label ? { label } : {}) }
        : { kind, roleArn: formValue(form, 'roleArn'), externalId: formValue(form, 'externalId'), ...(label ? { label } : {}) };
    await unwrap(api.POST('/v1/tenants/{tenantId}/model-credentials', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } }, body }));
    form.reset();
    reload();
  });
  const remove = useAction(async (credential: Credential) => {
    await unwrap(
      api.DELETE('/v1/tenants/{tenantId}/model-credentials/{credentialId}', {
        params: { path: { ...path, credentialId: credential.credentialId }, header: { 'If-Match': `"${credential.version}"` } },
      }),
    );
    reload();
  });
  return (
    <>
      <h2>Model credentials</h2>
      <p>The tenant's own credentials for its model calls, stored encrypted; runs use the newest. Only the last four characters are shown.</p>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void create.run(event.currentTarget);
        }}
      >
        <Field label="Kind">
          <select name="kind" value={kind} onChange={(event) => setKind(event.currentTarget.value as Credential['kind'])}>
            <option value="api-key">an Amazon Bedrock API key</option>
            <option value="aws-role">a role in the tenant's AWS account</option>
          </select>
        </Field>
        <Field label="Label">
          <input name="label" maxLength={100} />
        </Field>
        {kind === 'api-key' ? (
          <Field label="API key" hint="At least 20 printable characters, no spaces">
            <input name="apiKey" type="password" autocomplete="off" required minLength={20} />
          </Field>
        ) : (
          <>
            <Field label="Role ARN">
              <input name="roleArn" required placeholder="arn:aws:iam::123456789012:role/…" />
            </Field>
            <Field label="External id">
              <input name="externalId" required minLength={2} />
            </Field>
          </>
        )}
        <button type="submit" disabled={create.busy}>
          Add credential
        </button>
      </form>
      <ProblemView error={create.error ?? remove.error ?? error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Label</th>
            <th scope="col">Kind</th>
            <th scope="col">Ends with</th>
            <th scope="col">Added</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {credentials.map((credential) => (
            <tr key={credential.credentialId}>
              <td>{credential.label ?? credential.credentialId}</td>
              <td>{credential.kind === 'api-key' ? 'API key' : 'AWS role'}</td>
              <td>
                <code>…{credential.last4}</code>
              </td>
              <td>{new Date(credential.rotatedAt ?? credential.createdAt).toLocaleString()}</td>
              <td>
                <button
                  type="button"
                  class="danger"
                  aria-label={`Delete ${credential.label ?? credential.credentialId}`}
                  onClick={() => void remove.run(credential)}
                >
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** Models: the tenant admin's allow-list and guardrail, and the tenant's own model credentials. */
export function ModelsPage() {
  return (
    <section>
      <h1>Models</h1>
      <PolicySection />
      <CredentialsSection />
    </section>
  );
}
