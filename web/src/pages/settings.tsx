import { useEffect, useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { applyBranding } from '../branding';
import { useConsole } from '../context';
import { Busy, Field, formValue, ProblemView, useAction } from '../ui';

/** The tenant's name and branding (plan and status belong to platform admins). */
export function SettingsPage() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const [tenant, setTenant] = useState<Schemas['Tenant']>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    unwrap(api.GET('/v1/tenants/{tenantId}', { params: { path } })).then(setTenant, setError);
  }, [tenantId]);
  const save = useAction(async (form: HTMLFormElement) => {
    setSaved(false);
    const logoUrl = formValue(form, 'logoUrl');
    const updated = await unwrap(
      api.PATCH('/v1/tenants/{tenantId}', {
        params: { path },
        body: {
          name: formValue(form, 'name'),
          branding: { displayName: formValue(form, 'displayName'), primaryColor: formValue(form, 'primaryColor'), ...(logoUrl ? { logoUrl } : {}) },
        },
      }),
    );
    setTenant(updated);
    applyBranding(updated.branding, updated.name);
    setSaved(true);
  });
  if (error) return <ProblemView error={error} />;
  if (!tenant) return <Busy when label="Loading the settings…" />;
  return (
    <section>
      <h1>Settings</h1>
      <p>
        {tenant.tenantId} · plan {tenant.plan} · {tenant.region} · {tenant.status}
      </p>
      <form
        class="stack"
        key={tenant.version}
        onSubmit={(event) => {
          event.preventDefault();
          void save.run(event.currentTarget);
        }}
      >
        <Field label="Organisation name">
          <input name="name" required defaultValue={tenant.name} />
        </Field>
        <Field label="Display name">
          <input name="displayName" defaultValue={tenant.branding.displayName ?? ''} />
        </Field>
        <Field label="Colour">
          <input name="primaryColor" type="color" defaultValue={tenant.branding.primaryColor ?? '#343a40'} />
        </Field>
        <Field label="Logo URL" hint="https only">
          <input name="logoUrl" type="url" defaultValue={tenant.branding.logoUrl ?? ''} />
        </Field>
        <button type="submit" disabled={save.busy}>
          Save
        </button>
      </form>
      {saved ? <p role="status">Saved.</p> : null}
      <ProblemView error={save.error} />
    </section>
  );
}
