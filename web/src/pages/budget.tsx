import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { consoleProblem, unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { centsOfMicros, formatMicros, formatMinor, parseMinor } from '../money';
import { Busy, Field, formValue, orNothing, ProblemView, useAction, useRead } from '../ui';

type BudgetStatus = Schemas['Budget'];
type Policy = BudgetStatus['policy'];
type Spend = Schemas['Usage']['spend'];

const DEFAULT_THRESHOLDS = '50, 80, 100';

/** The budget status, or null when the tenant has none (the API answers 404 then); `reload` reads it again. */
function useBudget() {
  const { api, tenantId } = useConsole();
  const { value, error, reload } = useRead(
    () => orNothing(unwrap(api.GET('/v1/tenants/{tenantId}/budget', { params: { path: { tenantId: tenantId as string } } }))),
    [api, tenantId],
  );
  return { status: value, error, reload };
}

function exhaustedText(policy: Policy): string {
  return policy.onExhausted.action === 'block' ? 'New runs and model calls are refused' : `Model calls fall back to ${policy.onExhausted.modelId}`;
}

/** Spent, committed and forecast against the budget, with a meter when there is one. */
function SpendFacts({ spend, status }: { spend: Spend; status: BudgetStatus | null }) {
  const spent = status?.tenant.spentMicros ?? spend.spentMicros;
  const budget = status ? formatMinor(status.policy.monthlyCents, status.policy.currency) : undefined;
  return (
    <>
      <dl class="facts spend" data-testid="budget">
        <dt>Spent this month</dt>
        <dd>
          {formatMicros(spent, spend.currency)} ({status?.tenant.steps ?? spend.steps} model calls)
        </dd>
        {status ? (
          <>
            <dt>With calls in flight</dt>
            <dd>{formatMicros(status.tenant.committedMicros, spend.currency)}</dd>
          </>
        ) : null}
        <dt>Forecast for the month</dt>
        <dd>{formatMicros(status?.tenant.forecastMicros ?? spend.forecastMicros, spend.currency)}</dd>
        <dt>Monthly budget</dt>
        <dd>{budget ?? 'None: model calls are not capped'}</dd>
        {status ? (
          <>
            <dt>Once it is spent</dt>
            <dd>{exhaustedText(status.policy)}</dd>
          </>
        ) : null}
      </dl>
      {status ? (
        <meter
          class="budget"
          min={0}
          max={Math.max(status.policy.monthlyCents, 1)}
          high={status.policy.monthlyCents * 0.8}
          value={centsOfMicros(spent)}
          aria-label={`Spent ${formatMicros(spent, spend.currency)} of ${budget}`}
        />
      ) : null}
    </>
  );
}

/** Each alert threshold of the budget and whether it was reached (and told) this month. */
function Alerts({ status }: { status: BudgetStatus }) {
  const fired = new Set(status.tenant.alerted);
  return (
    <>
      <h3>Alerts</h3>
      <ul aria-label="Budget alerts" data-testid="budget-alerts">
        {status.policy.thresholds.map((threshold) => (
          <li key={threshold} data-fired={fired.has(threshold)}>
            {threshold} % of the budget: {fired.has(threshold) ? 'reached, the admins were told' : 'not reached'}
          </li>
        ))}
      </ul>
    </>
  );
}

const BREAKDOWNS = [
  ['byModel', 'Spend by model'],
  ['byAgent', 'Spend by agent'],
  ['byWorkflow', 'Spend by workflow'],
  ['byApiKey', 'Spend by API key'],
] as const;

/** The month's spend by model, agent, workflow and API key, where there is any. */
function Breakdowns({ spend }: { spend: Spend }) {
  return (
    <>
      {BREAKDOWNS.filter(([key]) => Object.keys(spend[key]).length > 0).map(([key, title]) => (
        <figure key={key} class="breakdown">
          <figcaption>{title}</figcaption>
          <dl class="facts">
            {Object.entries(spend[key]).map(([id, micros]) => (
              <Fragment key={id}>
                <dt>{id}</dt>
                <dd>{formatMicros(micros, spend.currency)}</dd>
              </Fragment>
            ))}
          </dl>
        </figure>
      ))}
    </>
  );
}

/** The body of `PUT /budget` from the form; per-agent and per-key budgets are kept as they are (PUT replaces). */
function budgetBody(form: HTMLFormElement, policy: Policy | undefined): Schemas['SetBudgetRequest'] {
  const monthlyCents = parseMinor(formValue(form, 'monthly'), 'USD');
  if (monthlyCents === undefined) {
    throw consoleProblem(400, 'Not an amount', 'enter the monthly budget in dollars, such as 25 or 25.50', 'validation-failed');
  }
  const thresholds = formValue(form, 'thresholds')
    .split(',')
    .map((part) => Number(part.trim()));
  const onExhausted: Policy['onExhausted'] =
    formValue(form, 'onExhausted') === 'fallback' ? { action: 'fallback', modelId: formValue(form, 'fallbackModel') } : { action: 'block' };
  return { monthlyCents, thresholds, onExhausted, agents: policy?.agents ?? {}, apiKeys: policy?.apiKeys ?? {} };
}

/** Sets or changes the monthly budget (If-Match: the version read, so a change made meanwhile is not overwritten). */
function BudgetForm({ policy, onSaved }: { policy: Policy | undefined; onSaved: (message: string) => void }) {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const [fallback, setFallback] = useState(policy?.onExhausted.action === 'fallback');
  const ifMatch = policy ? { 'If-Match': `"${policy.version}"` } : undefined;
  const save = useAction(async (form: HTMLFormElement) => {
    const saved = await unwrap(api.PUT('/v1/tenants/{tenantId}/budget', { params: { path }, body: budgetBody(form, policy), headers: ifMatch }));
    onSaved(`The monthly budget is ${formatMinor(saved.monthlyCents, saved.currency)}.`);
  });
  const remove = useAction(async () => {
    await unwrap(api.DELETE('/v1/tenants/{tenantId}/budget', { params: { path, header: ifMatch } }));
    onSaved('The budget is removed: model calls are no longer capped.');
  });
  return (
    <form
      class="stack"
      aria-labelledby="set-budget"
      onSubmit={(event) => {
        event.preventDefault();
        void save.run(event.currentTarget);
      }}
    >
      <h3 id="set-budget">{policy ? 'Change the budget' : 'Set a budget'}</h3>
      <Field label="Monthly budget (USD)" hint="Within what your plan allows; model calls stop or fall back once it is spent.">
        <input
          name="monthly"
          required
          inputMode="decimal"
          pattern="\d{1,12}([.,]\d{1,2})?"
          defaultValue={policy ? (policy.monthlyCents / 100).toFixed(2) : ''}
        />
      </Field>
      <Field label="Alert thresholds (%)" hint="Comma-separated; the tenant's admins are told once per month at each.">
        <input name="thresholds" required pattern="\s*\d{1,3}(\s*,\s*\d{1,3})*\s*" defaultValue={policy ? policy.thresholds.join(', ') : DEFAULT_THRESHOLDS} />
      </Field>
      <Field label="When the budget is spent">
        <select name="onExhausted" value={fallback ? 'fallback' : 'block'} onChange={(event) => setFallback(event.currentTarget.value === 'fallback')}>
          <option value="block">Refuse new runs and model calls</option>
          <option value="fallback">Fall back to a cheaper model</option>
        </select>
      </Field>
      {fallback ? (
        <Field label="Fallback model" hint="A model your plan allows, cheaper than the ones your agents use.">
          <input name="fallbackModel" required defaultValue={policy?.onExhausted.action === 'fallback' ? policy.onExhausted.modelId : ''} />
        </Field>
      ) : null}
      <p class="actions">
        <button type="submit" disabled={save.busy || remove.busy}>
          Save budget
        </button>
        {policy ? (
          <button type="button" class="danger" disabled={save.busy || remove.busy} onClick={() => void remove.run()}>
            Remove budget
          </button>
        ) : null}
      </p>
      <ProblemView error={save.error ?? remove.error} />
    </form>
  );
}

/**
 * The month's model spend against the tenant's budget: spent, in flight and forecast, the alert thresholds and which
 * were reached, the spend by model, agent, workflow and key; tenant admins set, change or remove the budget.
 */
export function BudgetSection({ spend }: { spend: Spend }) {
  const { can } = useConsole();
  const { status, error, reload } = useBudget();
  const [outcome, setOutcome] = useState<string>();
  return (
    <section aria-labelledby="budget-heading">
      <h2 id="budget-heading">Spend and budget</h2>
      <ProblemView error={error} />
      <Busy when={status === undefined && !error} label="Loading the budget…" />
      {status !== undefined ? <SpendFacts spend={spend} status={status} /> : null}
      {status ? <Alerts status={status} /> : null}
      <Breakdowns spend={spend} />
      {status !== undefined && can('tenantAdmin') ? (
        <BudgetForm
          key={status?.policy.version ?? 0}
          policy={status?.policy}
          onSaved={(message) => {
            setOutcome(message);
            reload();
          }}
        />
      ) : null}
      {outcome ? <p role="status">{outcome}</p> : null}
    </section>
  );
}
