import { useEffect, useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { Busy, ProblemView } from '../ui';
import { BudgetSection } from './budget';
import { HealthSection } from './health';

const MONTHS = 6;

function periodsBack(count: number): string[] {
  const now = new Date();
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (count - 1 - i), 1));
    return date.toISOString().slice(0, 7);
  });
}

/**
 * Usage against the plan's limits this month, requests, runs and tokens over the last months as bar charts, how the
 * requests went in the last hour and day, and the month's model spend against the budget.
 */
export function UsagePage() {
  const { api, tenantId } = useConsole();
  const [months, setMonths] = useState<Schemas['Usage'][]>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    Promise.all(
      periodsBack(MONTHS).map((period) =>
        unwrap(api.GET('/v1/tenants/{tenantId}/usage', { params: { path: { tenantId: tenantId as string }, query: { period } } })),
      ),
    ).then(setMonths, setError);
  }, [api, tenantId]);
  if (error) return <ProblemView error={error} />;
  if (!months) return <Busy when label="Loading usage…" />;
  const current = months[months.length - 1];
  return (
    <section>
      <h1>Usage</h1>
      <p>
        Plan <strong>{current.plan}</strong>, period {current.period}
      </p>
      <h2>Against the plan's limits</h2>
      <dl class="quotas">
        {Object.entries(current.quotas).map(([name, quota]) => (
          <div key={name}>
            <dt>{name}</dt>
            <dd>
              <meter min={0} max={Math.max(quota.limit, 1)} value={quota.used} aria-label={`${name}: ${quota.used} of ${quota.limit}`} /> {quota.used} /{' '}
              {quota.limit}
            </dd>
          </div>
        ))}
      </dl>
      {(['requests', 'runs', 'tokens'] as const).map((metric) => {
        const max = Math.max(1, ...months.map((month) => month.usage[metric]));
        return (
          <figure key={metric} class="chart">
            <figcaption>{metric} per month</figcaption>
            <ul>
              {months.map((month) => (
                <li key={month.period}>
                  <span class="bar" style={{ width: `${(month.usage[metric] / max) * 100}%` }} aria-hidden="true" />
                  <span>
                    {month.period}: {month.usage[metric]}
                  </span>
                </li>
              ))}
            </ul>
          </figure>
        );
      })}
      <HealthSection />
      <BudgetSection spend={current.spend} />
    </section>
  );
}
