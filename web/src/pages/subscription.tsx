import { useEffect, useState } from 'preact/hooks';
import { unwrap, type Schemas } from '../api';
import { useConsole } from '../context';
import { formatMinor } from '../money';
import { asProblem, Busy, Field, formValue, ProblemView, useAction } from '../ui';
import { Invoices } from './invoices';

type Subscription = Schemas['Subscription'];
type PlanId = Subscription['plan'];

/** The plans a tenant may choose, by the API's plan ids (a new plan id fails type-checking until it is named here). */
const PLAN_TITLES: Readonly<Record<PlanId, string>> = { free: 'Free', team: 'Team', enterprise: 'Enterprise' };

/** The limits a smaller plan would break, as the API's 409 names them (`doesNotFit`). */
interface UnfitLimit {
  readonly limit: string;
  readonly current: number;
  readonly allowed: number;
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

/** The API's refusal of a downgrade, limit by limit, under the problem itself. */
function PlanProblem({ error }: { error: unknown }) {
  if (!error) return null;
  const unfit = (asProblem(error) as { doesNotFit?: readonly UnfitLimit[] }).doesNotFit ?? [];
  return (
    <>
      <ProblemView error={error} />
      {unfit.length > 0 ? (
        <ul aria-label="What does not fit the smaller plan" data-testid="does-not-fit">
          {unfit.map((item) => (
            <li key={item.limit}>
              {item.limit}: {item.current} in use, the plan allows {item.allowed}
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}

function SubscriptionFacts({ subscription }: { subscription: Subscription }) {
  return (
    <dl class="facts" data-testid="subscription">
      <dt>Plan</dt>
      <dd>{PLAN_TITLES[subscription.plan]}</dd>
      <dt>Status</dt>
      <dd>{subscription.cancelAtPeriodEnd ? `${subscription.status}, cancelled at the end of the period` : subscription.status}</dd>
      <dt>Current period</dt>
      <dd>
        {day(subscription.currentPeriod.start)} to {day(subscription.currentPeriod.end)}
      </dd>
      <dt>Pending change</dt>
      <dd>{subscription.pendingChange ? `to ${PLAN_TITLES[subscription.pendingChange.plan]} on ${day(subscription.pendingChange.effectiveAt)}` : 'none'}</dd>
      {subscription.prorations.length > 0 ? (
        <>
          <dt>Prorations this period</dt>
          <dd>
            <ul>
              {subscription.prorations.map((proration) => (
                <li key={proration.at}>
                  {day(proration.at)}: {PLAN_TITLES[proration.fromPlan]} → {PLAN_TITLES[proration.toPlan]}, {formatMinor(proration.amount, proration.currency)}
                </li>
              ))}
            </ul>
          </dd>
        </>
      ) : null}
    </dl>
  );
}

/**
 * The tenant's subscription: plan, status, period and a pending downgrade; change the plan (an upgrade takes effect
 * at once, a downgrade at the end of the period, refused while usage does not fit) or cancel at the end of the period.
 */
export function SubscriptionPage() {
  const { api, tenantId } = useConsole();
  const path = { tenantId: tenantId as string };
  const [subscription, setSubscription] = useState<Subscription>();
  const [loadError, setLoadError] = useState<unknown>();
  const [outcome, setOutcome] = useState<string>();
  useEffect(() => {
    unwrap(api.GET('/v1/tenants/{tenantId}/subscription', { params: { path } })).then(setSubscription, setLoadError);
  }, [tenantId]);
  const change = useAction(async (body: Schemas['UpdateSubscriptionRequest'], done: (next: Subscription) => string) => {
    setOutcome(undefined);
    const next = await unwrap(
      api.PATCH('/v1/tenants/{tenantId}/subscription', { params: { path, header: { 'If-Match': `"${subscription?.version ?? 0}"` } }, body }),
    );
    setSubscription(next);
    setOutcome(done(next));
  });
  if (loadError) return <ProblemView error={loadError} />;
  if (!subscription) return <Busy when label="Loading the subscription…" />;
  const others = (Object.keys(PLAN_TITLES) as PlanId[]).filter((plan) => plan !== subscription.plan);
  return (
    <section>
      <h1>Subscription</h1>
      <SubscriptionFacts subscription={subscription} />
      <h2>Change plan</h2>
      <form
        class="inline"
        onSubmit={(event) => {
          event.preventDefault();
          const plan = formValue(event.currentTarget, 'plan') as PlanId;
          void change.run({ plan }, (next) =>
            next.plan === plan
              ? `You are on the ${PLAN_TITLES[plan]} plan from now on.`
              : `The ${PLAN_TITLES[plan]} plan starts on ${day(next.pendingChange?.effectiveAt ?? next.currentPeriod.end)}.`,
          );
        }}
      >
        <Field label="New plan" hint="An upgrade applies at once; a downgrade at the end of the period, if your usage fits it.">
          <select name="plan">
            {others.map((plan) => (
              <option key={plan} value={plan}>
                {PLAN_TITLES[plan]}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={change.busy}>
          Change plan
        </button>
      </form>
      <SubscriptionActions subscription={subscription} busy={change.busy} run={change.run} />
      {outcome ? <p role="status">{outcome}</p> : null}
      <PlanProblem error={change.error} />
      <Invoices />
    </section>
  );
}

function SubscriptionActions({
  subscription,
  busy,
  run,
}: {
  subscription: Subscription;
  busy: boolean;
  run: (body: Schemas['UpdateSubscriptionRequest'], done: (next: Subscription) => string) => Promise<void>;
}) {
  return (
    <p class="actions">
      {subscription.pendingChange ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => void run({ plan: subscription.plan }, () => 'The pending change is withdrawn.')}>
          Keep the {PLAN_TITLES[subscription.plan]} plan
        </button>
      ) : null}
      {subscription.cancelAtPeriodEnd ? (
        <button type="button" class="secondary" disabled={busy} onClick={() => void run({ cancelAtPeriodEnd: false }, () => 'The subscription continues.')}>
          Keep the subscription
        </button>
      ) : (
        <button
          type="button"
          class="danger"
          disabled={busy}
          onClick={() => void run({ cancelAtPeriodEnd: true }, (next) => `The subscription ends on ${day(next.currentPeriod.end)}.`)}
        >
          Cancel at the end of the period
        </button>
      )}
    </p>
  );
}
