import { useState } from 'preact/hooks';
import { createApi, type Schemas, unwrap } from '../api';
import { currentToken } from '../auth';
import { useConsole } from '../context';
import { formatMinor } from '../money';
import { Busy, Field, formValue, ProblemView, useAction } from '../ui';

type CloseReport = Schemas['CloseBillingPeriodsResponse'];

/** `1 tenant`, `2 tenants`. */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * Platform admins close the ended billing periods of a region's tenants now, as its hourly schedule does: an invoice per
 * tenant and ended period, and suspensions past the grace days. Running it again issues nothing new. The report says
 * what this run did, and which tenants it left (a failure, or a tenant being moved, closed by the next run).
 */
export function PeriodClose() {
  const { api, config } = useConsole();
  const regions = Object.keys(config.regions ?? {});
  const [closed, setClosed] = useState<{ region: string | undefined; report: CloseReport }>();
  const close = useAction(async (form: HTMLFormElement) => {
    const region = formValue(form, 'region') || undefined;
    const url = region ? config.regions?.[region] : undefined;
    const regional = url ? createApi(url, currentToken) : api;
    setClosed({ region, report: await unwrap(regional.POST('/v1/billing/period-close', {})) });
  });
  const report = closed?.report;
  return (
    <section aria-labelledby="period-close">
      <h2 id="period-close">Billing periods</h2>
      <p>Every hour the schedule closes the periods that have ended; close them now to invoice at once. Closing again issues nothing new.</p>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          void close.run(event.currentTarget);
        }}
      >
        {regions.length > 1 ? (
          <Field label="Region to close">
            <select name="region">
              {regions.map((region) => (
                <option key={region} value={region}>
                  {region}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <button type="submit" class="secondary" disabled={close.busy}>
          Close the ended periods now
        </button>
      </form>
      <Busy when={close.busy} label="Closing the ended periods…" />
      <ProblemView error={close.error} />
      {report ? (
        <div data-testid="period-close-report" role="status">
          <p>
            {closed?.region ? `${closed.region}: ` : ''}
            {counted(report.tenants, 'tenant')} looked at, {counted(report.issued.length, 'invoice')} issued, {counted(report.suspended.length, 'tenant')}{' '}
            suspended.
          </p>
          {report.issued.length > 0 ? (
            <ul aria-label="Invoices issued">
              {report.issued.map((invoice) => (
                <li key={`${invoice.tenantId} ${invoice.invoiceId}`}>
                  {invoice.tenantId}: {invoice.number}, {formatMinor(invoice.total, invoice.currency)}
                </li>
              ))}
            </ul>
          ) : null}
          {report.failed.length > 0 ? (
            <ul aria-label="Tenants left for the next run">
              {report.failed.map((failure) => (
                <li key={failure.tenantId}>
                  {failure.tenantId}: {failure.reason}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
