import { useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Field, ProblemView, useRead } from '../ui';

type Health = Schemas['TenantHealth'];
type Window = Health['hour'];

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))} %`;
/** A latency percentile: the upper bound of the histogram bucket it falls in. */
const millis = (ms: number | null) => (ms === null ? '–' : `≤ ${Math.round(ms)} ms`);

/** How the tenant's requests went in the last hour and day, against its plan's service level. */
export function HealthSection() {
  const { api, tenantId } = useConsole();
  const { value: health, error } = useRead(
    () => unwrap(api.GET('/v1/tenants/{tenantId}/health', { params: { path: { tenantId: tenantId as string } } })),
    [api, tenantId],
  );
  if (error) return <ProblemView error={error} />;
  if (!health) return null;
  const level = health.serviceLevel;
  const windows: [string, Window][] = [
    ['This hour', health.hour],
    ['Last 24 hours', health.day],
  ];
  return (
    <>
      <h2>Health</h2>
      <p data-testid="service-level">
        The {health.plan} plan's service level: p99 latency within {level.p99LatencyMs} ms and {percent(level.availability)} of requests answered without a
        server error. {level.met.hour ? 'Met' : 'Missed'} this hour, {level.met.day ? 'met' : 'missed'} over the last 24 hours.
      </p>
      <table data-testid="health">
        <thead>
          <tr>
            <th scope="col">Window</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">Server errors</th>
            <th scope="col">Throttled</th>
            <th scope="col">Quota refusals</th>
            <th scope="col">p50</th>
            <th scope="col">p99</th>
          </tr>
        </thead>
        <tbody>
          {windows.map(([name, window]) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td>{window.requests}</td>
              <td>{percent(window.errorRate)}</td>
              <td>{window.serverErrors}</td>
              <td>{window.throttles}</td>
              <td>{window.quotaRefusals}</td>
              <td>{millis(window.latencyMs.p50)}</td>
              <td>{millis(window.latencyMs.p99)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

type Ranking = Schemas['RankTenantHealthResponse'];
type SortKey = Ranking['sort'];

const SORTS: readonly [SortKey, string][] = [
  ['errorRate', 'error rate'],
  ['p99', 'p99 latency'],
  ['throttles', 'throttled requests'],
  ['quotaRefusals', 'quota refusals'],
  ['requests', 'requests'],
];

/** How many tenants the ranking shows at first; the rest on demand. */
const FIRST_ROWS = 20;

/** Platform admins: the region's tenants ranked by a health figure, worst first, over this hour or the last day. */
export function TenantHealthPage() {
  const { api } = useConsole();
  const [span, setSpan] = useState<Ranking['window']>('day');
  const [sort, setSort] = useState<SortKey>('errorRate');
  const [all, setAll] = useState(false);
  // Only the answer to the latest choice counts (useRead): the slower day window's ranking never replaces the hour's.
  const { value: ranking, error } = useRead(
    () => unwrap(api.GET('/v1/platform/tenants/health', { params: { query: { window: span, sort } } })),
    [api, span, sort],
  );
  const rows = ranking ? (all ? ranking.items : ranking.items.slice(0, FIRST_ROWS)) : [];
  return (
    <section>
      <h1>Tenant health</h1>
      <p>The region's active and suspended tenants, worst first.</p>
      <div class="stack">
        <Field label="Window">
          <select value={span} onChange={(event) => setSpan(event.currentTarget.value as Ranking['window'])}>
            <option value="hour">this hour</option>
            <option value="day">the last 24 hours</option>
          </select>
        </Field>
        <Field label="Worst by">
          <select value={sort} onChange={(event) => setSort(event.currentTarget.value as SortKey)}>
            {SORTS.map(([key, label]) => (
              <option key={key} value={key}>
                {label}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ProblemView error={error} />
      <table data-testid="health-ranking" data-sort={ranking?.sort} data-window={ranking?.window}>
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Status</th>
            <th scope="col">Requests</th>
            <th scope="col">Errors</th>
            <th scope="col">p99</th>
            <th scope="col">Throttled</th>
            <th scope="col">Quota refusals</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.tenantId}>
              <th scope="row">
                {row.slug} <small>({row.tenantId})</small>
              </th>
              <td>{row.status}</td>
              <td>{row.health.requests}</td>
              <td>{percent(row.health.errorRate)}</td>
              <td>{millis(row.health.latencyMs.p99)}</td>
              <td>{row.health.throttles}</td>
              <td>{row.health.quotaRefusals}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {ranking && !all && ranking.items.length > FIRST_ROWS ? (
        <button type="button" class="secondary" onClick={() => setAll(true)}>
          Show all {ranking.items.length} tenants
        </button>
      ) : null}
    </section>
  );
}
