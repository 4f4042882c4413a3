import { useEffect, useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { ProblemView } from '../ui';

type Health = Schemas['TenantHealth'];
type Window = Health['hour'];

const percent = (ratio: number) => `${Number((ratio * 100).toFixed(2))} %`;
/** A latency percentile: the upper bound of the histogram bucket it falls in. */
const millis = (ms: number | null) => (ms === null ? '–' : `≤ ${Math.round(ms)} ms`);

/** How the tenant's requests went in the last hour and day, against its plan's service level. */
export function HealthSection() {
  const { api, tenantId } = useConsole();
  const [health, setHealth] = useState<Health>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    unwrap(api.GET('/v1/tenants/{tenantId}/health', { params: { path: { tenantId: tenantId as string } } })).then(setHealth, setError);
  }, [api, tenantId]);
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
