import { useEffect, useRef, useState } from 'preact/hooks';
import { createApi, idempotencyKey, type Schemas, unwrap } from '../api';
import { currentToken } from '../auth';
import { useConsole } from '../context';
import { asProblem, Busy, Field, formValue, ProblemView, useAction, useRead } from '../ui';

type Compliance = Schemas['Compliance'];
type RetentionClass = Compliance['retention'][number]['class'];
type ExportJob = Schemas['Export'];
type MigrationJob = Schemas['Migration'];

/** How often a running export or import is read again. */
const JOB_POLL_MS = 1000;

/** The compliance report; `reload` reads it again. */
function useCompliance() {
  const { api, tenantId } = useConsole();
  const { value, error, reload } = useRead(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/compliance', { params: { path: { tenantId: tenantId as string } } })),
    [api, tenantId],
  );
  return { report: value, error, reload };
}

function daysText(days: number | null): string {
  return days === null ? 'until deleted' : `${days} days`;
}

/** Where the data lives, the legal hold, backups and whether the audit chain verifies. */
function ReportFacts({ report }: { report: Compliance }) {
  const chain = report.auditChain;
  return (
    <dl class="facts" data-testid="compliance">
      <dt>Home region</dt>
      <dd>
        {report.residency.region} ({report.residency.zone})
      </dd>
      <dt>Legal hold</dt>
      <dd>{report.legalHold ? `${report.legalHold.reason} (placed ${new Date(report.legalHold.placedAt).toLocaleString()})` : 'None'}</dd>
      <dt>Latest restorable point</dt>
      <dd>{report.lastBackup ? new Date(report.lastBackup).toLocaleString() : 'None (no point-in-time recovery here)'}</dd>
      <dt>Last retention sweep</dt>
      <dd>
        {report.lastRetentionSweep
          ? `${new Date(report.lastRetentionSweep.sweptAt).toLocaleString()}: ${report.lastRetentionSweep.deleted} items deleted`
          : 'Not yet'}
      </dd>
      <dt>Audit chain</dt>
      <dd>{chain.valid ? `Intact: ${chain.entries} sealed entries` : `Broken at lane ${chain.firstBroken?.lane}, entry ${chain.firstBroken?.seq}`}</dd>
    </dl>
  );
}

/** How long each data class is kept; tenant admins change it (days, or empty for until deleted). */
function Retention({ report, onSaved }: { report: Compliance; onSaved: () => void }) {
  const { api, tenantId, can } = useConsole();
  const save = useAction(async (form: HTMLFormElement) => {
    const body: Partial<Record<RetentionClass, number>> = {};
    for (const row of report.retention) {
      const text = (form.elements.namedItem(row.class) as HTMLInputElement).value.trim();
      if (text !== '') body[row.class] = Number(text);
    }
    await unwrap(api.PUT('/v1/tenants/{tenantId}/retention', { params: { path: { tenantId: tenantId as string } }, body }));
    onSaved();
  });
  const writable = can('tenantAdmin');
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void save.run(event.currentTarget);
      }}
    >
      <table>
        <thead>
          <tr>
            <th scope="col">Data class</th>
            <th scope="col">Kept</th>
            <th scope="col">What it holds</th>
            {writable ? <th scope="col">Days to keep</th> : null}
          </tr>
        </thead>
        <tbody>
          {report.retention.map((row) => (
            <tr key={row.class} data-testid={`retention-${row.class}`}>
              <td class="nowrap">{row.class}</td>
              <td class="nowrap">{daysText(row.days)}</td>
              <td>
                <small>{row.kinds.join(', ')}</small>
              </td>
              {writable ? (
                <td>
                  <input
                    name={row.class}
                    type="number"
                    min={1}
                    max={36500}
                    aria-label={`Days to keep ${row.class} data`}
                    defaultValue={row.days === null ? '' : String(row.days)}
                  />
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {writable ? (
        <button type="submit" disabled={save.busy}>
          Save retention
        </button>
      ) : null}
      <ProblemView error={save.error} />
    </form>
  );
}

const itemsOf = (job: ExportJob) => job.progress.reduce((sum, kind) => sum + kind.items, 0);
const itemsText = (job: ExportJob) => `${itemsOf(job)} item${itemsOf(job) === 1 ? '' : 's'}`;

/** What an import brought back: everything (the tenant as the bundle holds it), or the content it lacked. */
const SCOPES: Readonly<Record<NonNullable<ExportJob['scope']>, string>> = {
  everything: 'the tenant as the bundle holds it',
  'missing-content': 'the content the tenant lacked',
  content: "the other tenant's content",
};

/** A job, read again every second by `read` until it has succeeded or failed. */
function useFollowedJob<J extends { readonly state: string }>(read: (job: J) => Promise<J>) {
  const [job, setJob] = useState<J>();
  const [error, setError] = useState<unknown>();
  const running = job?.state === 'QUEUED' || job?.state === 'RUNNING';
  useEffect(() => {
    if (!job || !running) return;
    const timer = setTimeout(() => read(job).then(setJob, setError), JOB_POLL_MS);
    return () => clearTimeout(timer);
  }, [job]);
  return { job, setJob, error, running };
}

/** A portability job (`exports` or `imports`), followed until it has succeeded or failed. */
function useJob(collection: 'exports' | 'imports') {
  const { api, tenantId } = useConsole();
  return useFollowedJob<ExportJob>((job) => {
    const params = { params: { path: { tenantId: tenantId as string, jobId: job.jobId } } };
    return unwrap(
      collection === 'exports' ? api.GET('/v1/tenants/{tenantId}/exports/{jobId}', params) : api.GET('/v1/tenants/{tenantId}/imports/{jobId}', params),
    );
  });
}

function JobFailure({ job, what }: { job: ExportJob | undefined; what: string }) {
  return job?.state === 'FAILED' ? (
    <p class="issues" role="alert">
      The {what} failed: {job.errors.map((problem) => problem.detail).join('; ')}
    </p>
  ) : null;
}

/**
 * An export of every kind of the tenant's data to a signed bundle, followed until its download links are ready; from
 * it, the content the tenant has lost since (a deleted memory, say) can be restored.
 */
function Export() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const exported = useJob('exports');
  const restored = useJob('imports');
  const start = useAction(async () => {
    restored.setJob(undefined);
    exported.setJob(await unwrap(api.POST('/v1/tenants/{tenantId}/exports', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } } })));
  });
  const restore = useAction(async (exportId: string) => {
    restored.setJob(
      await unwrap(api.POST('/v1/tenants/{tenantId}/imports', { params: { path, header: { 'Idempotency-Key': idempotencyKey() } }, body: { exportId } })),
    );
  });
  const job = exported.job;
  return (
    <>
      <h2>Export</h2>
      <p>A signed bundle of every kind of the tenant's data, kept in its home region; its download links expire.</p>
      <button type="button" disabled={start.busy || exported.running} onClick={() => void start.run()}>
        Export the tenant's data
      </button>
      <Busy when={exported.running} label={`Exporting… (${job ? itemsOf(job) : 0} items so far)`} />
      <ProblemView error={start.error ?? exported.error} />
      <JobFailure job={job} what="export" />
      {job?.state === 'SUCCEEDED' && job.download ? (
        <div data-testid="export">
          <p class="ok" role="status">
            Export ready: {itemsText(job)}. The links expire {new Date(job.download.expiresAt).toLocaleString()}.
          </p>
          <p>
            <a href={job.download.manifest}>the signed bundle manifest</a>
          </p>
          <details>
            <summary>Its files, one per kind of data ({job.download.files.length})</summary>
            <ul>
              {job.download.files.map((file) => (
                <li key={file.kind}>
                  <a href={file.url}>{file.kind}</a>
                </li>
              ))}
            </ul>
          </details>
          <p>
            <button type="button" class="secondary" disabled={restore.busy || restored.running} onClick={() => void restore.run(job.jobId)}>
              Restore from this export
            </button>
          </p>
          <Busy when={restored.running} label="Restoring… (every file's hash is checked before the first write)" />
          <ProblemView error={restore.error ?? restored.error} />
          <JobFailure job={restored.job} what="restore" />
          {restored.job?.state === 'SUCCEEDED' ? (
            <p class="ok" role="status" data-testid="restored">
              Restored {itemsText(restored.job)}: {SCOPES[restored.job.scope ?? 'everything']}.
            </p>
          ) : null}
        </div>
      ) : null}
    </>
  );
}

/**
 * Platform admins place a legal hold on the tenant they act on, with its reason, and lift it: while it holds, nothing
 * of the tenant's data is deleted. Both are written to the tenant's audit log.
 */
function LegalHold({ report, onChanged }: { report: Compliance; onChanged: () => void }) {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const place = useAction(async (form: HTMLFormElement) => {
    await unwrap(api.PUT('/v1/tenants/{tenantId}/legal-hold', { params: { path }, body: { reason: formValue(form, 'reason') } }));
    onChanged();
  });
  const lift = useAction(async () => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/legal-hold', { params: { path } }));
    onChanged();
  });
  return (
    <>
      <h2>Legal hold</h2>
      <p>While a legal hold is in place, nothing of the tenant's data is deleted: retention, purges and offboarding wait for it.</p>
      {report.legalHold ? (
        <button type="button" class="danger" disabled={lift.busy} onClick={() => void lift.run()}>
          Lift the legal hold
        </button>
      ) : (
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void place.run(event.currentTarget);
          }}
        >
          <Field label="Reason for the hold" hint="written to the tenant's audit log">
            <input name="reason" required maxLength={1024} />
          </Field>
          <button type="submit" disabled={place.busy}>
            Place a legal hold
          </button>
        </form>
      )}
      <ProblemView error={place.error ?? lift.error} />
    </>
  );
}

/** How many reads in a row may answer 404 while a migration cuts over before the console gives up following it. */
const MIGRATION_NOT_FOUND_READS = 30;

/**
 * A migration job, followed until it has succeeded or failed: in the tenant's home region, which answers 421 naming the
 * new one once the migration has cut over, where it is read from then on. A 404 while the tenant is between the
 * regions (a region whose view of the directory has not caught up yet) is read again, up to MIGRATION_NOT_FOUND_READS
 * in a row.
 */
function useMigration() {
  const { api, tenantId, config } = useConsole();
  const home = useRef(api);
  const notFound = useRef(0);
  return useFollowedJob<MigrationJob>(async (job) => {
    const params = { params: { path: { tenantId: tenantId as string, migrationId: job.migrationId } } };
    try {
      const next = await unwrap(home.current.GET('/v1/tenants/{tenantId}/migrations/{migrationId}', params));
      notFound.current = 0;
      return next;
    } catch (failure) {
      const problem = asProblem(failure) as { code: string; region?: string };
      const moved = problem.code === 'wrong-region' && problem.region ? config.regions?.[problem.region] : undefined;
      if (moved) home.current = createApi(moved, currentToken);
      else if (problem.code !== 'not-found' || ++notFound.current >= MIGRATION_NOT_FOUND_READS) throw failure;
      // A copy of the same job, so that it is read once more at the next tick.
      return { ...job };
    }
  });
}

/**
 * Platform admins move the tenant they act on to another residency region: export, import there, verify, cut over,
 * purge here, followed step by step; then they act on it in its new region.
 */
function Migration({ report }: { report: Compliance }) {
  const { api, tenantId, config, acting, actOn } = useConsole();
  const targets = Object.keys(config.regions ?? {}).filter((region) => region !== report.residency.region);
  const migration = useMigration();
  // Whether this move suspended the tenant, which it then reactivates in its new region.
  const [suspended, setSuspended] = useState(false);
  const start = useAction(async (form: HTMLFormElement) => {
    const path = { tenantId: tenantId as string };
    const header = { 'Idempotency-Key': idempotencyKey() };
    const freeze = (form.elements.namedItem('suspend') as HTMLInputElement).checked;
    const tenant = await unwrap(api.GET('/v1/tenants/{tenantId}', { params: { path } }));
    if (freeze && tenant.status === 'ACTIVE') {
      await unwrap(api.POST('/v1/tenants/{tenantId}/suspend', { params: { path } }));
      setSuspended(true);
    }
    migration.setJob(await unwrap(api.POST('/v1/tenants/{tenantId}/migrations', { params: { path, header }, body: { to: formValue(form, 'to') } })));
  });
  const reactivate = useAction(async (to: string) => {
    const home = createApi(config.regions?.[to] ?? config.apiUrl, currentToken);
    await unwrap(home.POST('/v1/tenants/{tenantId}/reactivate', { params: { path: { tenantId: tenantId as string } } }));
    setSuspended(false);
  });
  const job = migration.job;
  useEffect(() => {
    if (job?.state === 'SUCCEEDED' && suspended) void reactivate.run(job.to);
  }, [job?.state]);
  if (targets.length === 0) return null;
  return (
    <>
      <h2>Residency</h2>
      <p>
        Moving the tenant exports its data, imports it into the other region, verifies counts and the audit chain, cuts over and purges this region's copy. Its
        users set a new password in the new region. While it moves, this region refuses every change to the tenant (503 tenant-moving) and serves its reads;
        suspending it too keeps its users and keys out altogether, and the move reactivates it in its new region.
      </p>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void start.run(event.currentTarget);
        }}
      >
        <Field label="Move the tenant to">
          <select name="to">
            {targets.map((region) => (
              <option key={region} value={region}>
                {region}
              </option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" name="suspend" defaultChecked /> Suspend the tenant while it moves
        </label>
        <button type="submit" class="danger" disabled={start.busy || migration.running || job?.state === 'SUCCEEDED'}>
          Move the tenant
        </button>
      </form>
      <Busy when={migration.running} label={`Moving to ${job?.to}… (${job?.step ?? 'exporting'})`} />
      <Busy when={reactivate.busy} label={`Reactivating the tenant in ${job?.to}…`} />
      <ProblemView error={start.error ?? migration.error ?? reactivate.error} />
      {job?.state === 'FAILED' ? (
        <p class="issues" role="alert">
          The move failed: {job.errors.map((problem) => problem.detail).join('; ')}
          {suspended ? ' The tenant is still suspended: reactivate it from the Tenants page once the move is resolved.' : ''}
        </p>
      ) : null}
      {job?.state === 'SUCCEEDED' && acting && !reactivate.busy && (!suspended || reactivate.error) ? (
        <p class="ok" role="status" data-testid="migrated">
          The tenant now lives in {job.to}.{' '}
          <button type="button" onClick={() => actOn({ ...acting, apiUrl: config.regions?.[job.to] ?? config.apiUrl })}>
            Act on it in {job.to}
          </button>
        </p>
      ) : null}
    </>
  );
}

/** Data and compliance: where the tenant's data lives and how long it is kept; tenant admins change that and export it. */
export function DataPage() {
  const { can } = useConsole();
  const { report, error, reload } = useCompliance();
  return (
    <section>
      <h1>Data and compliance</h1>
      <Busy when={!report && !error} label="Loading the compliance report…" />
      <ProblemView error={error} />
      {report ? (
        <>
          <ReportFacts report={report} />
          <h2>Retention</h2>
          <Retention report={report} onSaved={reload} />
          {can('platformAdmin') ? (
            <>
              <LegalHold report={report} onChanged={reload} />
              <Migration report={report} />
            </>
          ) : null}
        </>
      ) : null}
      {can('tenantAdmin') ? <Export /> : null}
    </section>
  );
}
