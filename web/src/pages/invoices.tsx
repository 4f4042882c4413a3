import { useCallback, useEffect, useState } from 'preact/hooks';
import { consoleProblem, unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { decimalOfMinor, formatMinor, parseMinor } from '../money';
import { Busy, Field, formValue, ProblemView, useAction } from '../ui';

type Invoice = Schemas['Invoice'];

/** What each payment state means to the tenant. */
const PAYMENT_STATES: Readonly<Record<Invoice['payment']['status'], string>> = {
  open: 'Open, awaiting payment',
  pending: 'Payment pending',
  paid: 'Paid',
  failed: 'Payment failed',
};

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The last day of a period whose `end` is exclusive (the first instant of the next period). */
function lastDay(exclusiveEnd: string): string {
  return new Date(Date.parse(exclusiveEnd) - 1).toISOString().slice(0, 10);
}

/**
 * The printable document of an invoice, opened in a new tab. The document route wants the bearer token, which a
 * plain link cannot send: the console fetches it through the API client and opens it as a blob of the console's
 * origin. When the browser blocks the new tab (the fetch took longer than a click's grace), a link opens it instead.
 */
function useInvoiceDocument(tenantId: string) {
  const { api } = useConsole();
  const [opened, setOpened] = useState<{ invoiceId: string; url: string; blocked: boolean }>();
  useEffect(() => () => (opened ? URL.revokeObjectURL(opened.url) : undefined), [opened]);
  const open = useAction(async (invoiceId: string) => {
    const html = await unwrap(api.GET('/v1/tenants/{tenantId}/invoices/{invoiceId}/document', { params: { path: { tenantId, invoiceId } }, parseAs: 'text' }));
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }));
    const tab = window.open(url, '_blank');
    setOpened({ invoiceId, url, blocked: tab === null });
  });
  return { open, opened };
}

/**
 * Platform admins record the outcome of a payment of a manually invoiced invoice (a bank transfer they see arrive, or
 * one that bounced), named by its reference: the same reference again changes nothing. A payment must be of the
 * invoice's total; a failure makes the subscription past due, a later success active again.
 */
function RecordPayment({ invoice, onRecorded }: { invoice: Invoice; onRecorded: () => void }) {
  const { api, tenantId } = useConsole();
  const record = useAction(async (form: HTMLFormElement) => {
    const amount = parseMinor(formValue(form, 'amount'), invoice.currency);
    if (amount === undefined) throw consoleProblem(400, 'Not an amount', 'enter the amount paid, such as 49 or 49.00', 'validation-failed');
    await unwrap(
      api.POST('/v1/tenants/{tenantId}/invoices/{invoiceId}/payments', {
        params: { path: { tenantId: tenantId as string, invoiceId: invoice.invoiceId } },
        body: {
          eventId: formValue(form, 'reference'),
          outcome: formValue(form, 'outcome') === 'failed' ? 'failed' : 'succeeded',
          amount,
          currency: invoice.currency,
        },
      }),
    );
    onRecorded();
  });
  return (
    <form
      class="stack"
      aria-label={`Record a payment of invoice ${invoice.number}`}
      onSubmit={(event) => {
        event.preventDefault();
        void record.run(event.currentTarget);
      }}
    >
      <Field label="Payment reference" hint="the bank's reference: the same reference is recorded once">
        <input name="reference" required maxLength={255} />
      </Field>
      <Field label={`Amount (${invoice.currency})`}>
        <input name="amount" required inputMode="decimal" defaultValue={decimalOfMinor(invoice.total, invoice.currency)} />
      </Field>
      <Field label="Outcome">
        <select name="outcome">
          <option value="succeeded">Paid</option>
          <option value="failed">Failed</option>
        </select>
      </Field>
      <button type="submit" class="secondary" disabled={record.busy}>
        Record the payment<span class="visually-hidden"> of invoice {invoice.number}</span>
      </button>
      <ProblemView error={record.error} />
    </form>
  );
}

/** One invoice as a card (a table of six columns does not fit a phone's width). */
function InvoiceCard({
  invoice,
  printable,
  onPaid,
}: {
  invoice: Invoice;
  printable: ReturnType<typeof useInvoiceDocument>;
  /** Given to platform admins: a manually invoiced invoice takes a payment's outcome (Stripe reports its own), and the list is read again. */
  onPaid?: () => void;
}) {
  const { open, opened } = printable;
  const blocked = opened?.invoiceId === invoice.invoiceId && opened.blocked ? opened.url : undefined;
  return (
    <li data-testid={`invoice-${invoice.invoiceId}`}>
      <h3>{invoice.number}</h3>
      <dl class="facts">
        <dt>Period</dt>
        <dd>
          <span class="nowrap">{day(invoice.period.start)}</span> to <span class="nowrap">{lastDay(invoice.period.end)}</span>
        </dd>
        <dt>Total</dt>
        <dd class="amount">{formatMinor(invoice.total, invoice.currency)}</dd>
        <dt>Payment</dt>
        <dd>{PAYMENT_STATES[invoice.payment.status]}</dd>
        <dt>Issued</dt>
        <dd>{day(invoice.issuedAt)}</dd>
      </dl>
      <p class="actions">
        <button type="button" class="secondary" disabled={open.busy} onClick={() => void open.run(invoice.invoiceId)}>
          Open<span class="visually-hidden"> invoice {invoice.number}</span> for printing
        </button>
        {blocked ? (
          <a href={blocked} target="_blank" rel="noopener">
            Your browser blocked the new tab: open invoice {invoice.number}
          </a>
        ) : null}
      </p>
      {onPaid && invoice.payment.provider === 'manual' && invoice.payment.status !== 'paid' ? <RecordPayment invoice={invoice} onRecorded={onPaid} /> : null}
    </li>
  );
}

/** The tenant's invoices, newest period first, each with its printable document; platform admins record payments. */
export function Invoices() {
  const { api, tenantId, can } = useConsole();
  const [invoices, setInvoices] = useState<readonly Invoice[]>();
  const [loadError, setLoadError] = useState<unknown>();
  const printable = useInvoiceDocument(tenantId as string);
  const load = useCallback(() => {
    unwrap(api.GET('/v1/tenants/{tenantId}/invoices', { params: { path: { tenantId: tenantId as string } } })).then(
      (list) => setInvoices(list.items),
      setLoadError,
    );
  }, [api, tenantId]);
  useEffect(load, [load]);
  const onPaid = can('platformAdmin') ? load : undefined;
  return (
    <section aria-labelledby="invoices" data-testid="invoices">
      <h2 id="invoices">Invoices</h2>
      <ProblemView error={loadError} />
      <Busy when={!invoices && !loadError} label="Loading the invoices…" />
      {invoices?.length === 0 ? <p>No invoices yet: the first is issued when the current period ends.</p> : null}
      {invoices?.length ? (
        <ul class="invoices" aria-label="Invoices, newest period first">
          {invoices.map((invoice) => (
            <InvoiceCard key={invoice.invoiceId} invoice={invoice} printable={printable} {...(onPaid ? { onPaid } : {})} />
          ))}
        </ul>
      ) : null}
      <ProblemView error={printable.open.error} />
    </section>
  );
}
