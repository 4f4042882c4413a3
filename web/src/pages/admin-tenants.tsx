import { useState } from 'preact/hooks';
import { asProblem } from '../ui';
import { idempotencyKey, unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Busy, Field, formValue, MoreButton, ProblemView, useAction, usePaged } from '../ui';
import { heldMove } from '../../../functions/tenants/tenant-move';
import { PeriodClose } from './period-close';

type TenantSummary = Schemas['TenantsPage']['items'][number];

/** The problem's field issues by field name (`body.admins.0` → `admins`), for messages beside the fields. */
function fieldIssues(error: unknown): Record<string, string> {
  if (!error) return {};
  const issues = asProblem(error).errors ?? [];
  return Object.fromEntries(issues.map((issue) => [issue.pointer.replace(/^body\./, '').split('.')[0], issue.message]));
}

/** Where a migration is moving the tenant, while it holds its changes. */
function MovingTo({ tenant }: { tenant: TenantSummary }) {
  const move = heldMove(tenant);
  return move ? <small> (moving to {move.to}: changes wait)</small> : null;
}

function OnboardForm({ onDone }: { onDone: () => void }) {
  const { api } = useConsole();
  const onboard = useAction(async (form: HTMLFormElement) => {
    const list = (name: string) =>
      formValue(form, name)
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);
    await unwrap(
      api.POST('/v1/tenants', {
        params: { header: { 'Idempotency-Key': idempotencyKey() } },
        body: {
          id: formValue(form, 'id'),
          slug: formValue(form, 'slug'),
          name: formValue(form, 'name'),
          plan: formValue(form, 'plan') as Schemas['CreateTenantRequest']['plan'],
          homeRegion: formValue(form, 'homeRegion'),
          emailDomains: list('emailDomains'),
          admins: list('admins'),
        },
      }),
    );
    form.reset();
    onDone();
  });
  const issues = fieldIssues(onboard.error);
  const issue = (name: string) =>
    issues[name] ? (
      <small class="field-error" id={`${name}-error`}>
        {issues[name]}
      </small>
    ) : null;
  const described = (name: string) => (issues[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-error` } : {});
  return (
    <form
      class="stack"
      onSubmit={(event) => {
        event.preventDefault();
        void onboard.run(event.currentTarget);
      }}
    >
      <h2>Onboard a tenant</h2>
      <Field label="Tenant id">
        <input name="id" required {...described('id')} />
        {issue('id')}
      </Field>
      <Field label="Slug">
        <input name="slug" required {...described('slug')} />
        {issue('slug')}
      </Field>
      <Field label="Name">
        <input name="name" required {...described('name')} />
        {issue('name')}
      </Field>
      <Field label="Plan">
        <select name="plan">
          <option value="free">free</option>
          <option value="team">team</option>
          <option value="enterprise">enterprise</option>
        </select>
      </Field>
      <Field label="Home region">
        <input name="homeRegion" required defaultValue="eu-central-1" {...described('homeRegion')} />
        {issue('homeRegion')}
      </Field>
      <Field label="Email domains" hint="separated by commas">
        <input name="emailDomains" {...described('emailDomains')} />
        {issue('emailDomains')}
      </Field>
      <Field label="First admins" hint="emails, separated by commas">
        <input name="admins" required {...described('admins')} />
        {issue('admins')}
      </Field>
      <button type="submit" disabled={onboard.busy}>
        {onboard.busy ? 'Onboarding…' : 'Onboard'}
      </button>
      <ProblemView error={onboard.error} />
    </form>
  );
}

/**
 * Platform admins: every tenant with status and plan (and the region a migration is moving it to); onboard, suspend,
 * reactivate, retry, offboard, act on one; close the ended billing periods of a region now.
 */
export function AdminTenantsPage() {
  const { api, config, actOn } = useConsole();
  const tenants = usePaged((cursor) => unwrap(api.GET('/v1/tenants', { params: { query: { limit: 20, ...(cursor ? { cursor } : {}) } } })), []);
  const [offboarding, setOffboarding] = useState<TenantSummary>();
  const [typed, setTyped] = useState('');
  const act = useAction(async (tenant: TenantSummary, action: 'suspend' | 'reactivate' | 'retry' | 'offboard') => {
    const path = { tenantId: tenant.tenantId };
    if (action === 'suspend') await unwrap(api.POST('/v1/tenants/{tenantId}/suspend', { params: { path } }));
    if (action === 'reactivate') await unwrap(api.POST('/v1/tenants/{tenantId}/reactivate', { params: { path } }));
    if (action === 'retry') await unwrap(api.POST('/v1/tenants/{tenantId}/retry', { params: { path } }));
    if (action === 'offboard') await unwrap(api.DELETE('/v1/tenants/{tenantId}', { params: { path } }));
    setOffboarding(undefined);
    tenants.reload();
  });
  return (
    <section>
      <h1>Tenants</h1>
      <button type="button" class="secondary" disabled={tenants.loading} onClick={tenants.reload}>
        Refresh
      </button>
      <Busy when={act.busy} label="Applying the change…" />
      <ProblemView error={tenants.error ?? act.error} />
      <table>
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Region</th>
            <th scope="col">Status</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {tenants.items.map((tenant) => (
            <tr key={tenant.tenantId} data-tenant={tenant.tenantId}>
              <td>
                {tenant.branding.displayName ?? tenant.slug} <small>({tenant.tenantId})</small>
              </td>
              <td>
                {tenant.region}
                <MovingTo tenant={tenant} />
              </td>
              <td data-testid="status">{tenant.status}</td>
              <td class="actions">
                {tenant.status === 'ACTIVE' ? (
                  <button type="button" class="secondary" onClick={() => void act.run(tenant, 'suspend')}>
                    Suspend {tenant.slug}
                  </button>
                ) : null}
                {tenant.status === 'SUSPENDED' ? (
                  <button type="button" class="secondary" onClick={() => void act.run(tenant, 'reactivate')}>
                    Reactivate {tenant.slug}
                  </button>
                ) : null}
                {tenant.status === 'FAILED' ? (
                  <button type="button" class="secondary" onClick={() => void act.run(tenant, 'retry')}>
                    Retry {tenant.slug}
                  </button>
                ) : null}
                {tenant.status === 'ACTIVE' || tenant.status === 'SUSPENDED' ? (
                  <>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() =>
                        actOn({
                          tenantId: tenant.tenantId,
                          name: tenant.branding.displayName ?? tenant.slug,
                          apiUrl: config.regions?.[tenant.region] ?? config.apiUrl,
                        })
                      }
                    >
                      Act on {tenant.slug}
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => {
                        setTyped('');
                        setOffboarding(tenant);
                      }}
                    >
                      Offboard {tenant.slug}
                    </button>
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <MoreButton list={tenants} />
      {offboarding ? (
        <form
          class="stack confirm"
          onSubmit={(event) => {
            event.preventDefault();
            if (typed === offboarding.slug) void act.run(offboarding, 'offboard');
          }}
        >
          <h2>Offboard {offboarding.slug}</h2>
          <p>Its pool is removed and all its data purged. This cannot be undone.</p>
          <Field label={`Type ${offboarding.slug} to confirm`}>
            <input name="confirm" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="danger" disabled={typed !== offboarding.slug || act.busy}>
            Offboard for good
          </button>{' '}
          <button type="button" class="secondary" onClick={() => setOffboarding(undefined)}>
            Cancel
          </button>
        </form>
      ) : null}
      <OnboardForm onDone={tenants.reload} />
      <PeriodClose />
    </section>
  );
}
