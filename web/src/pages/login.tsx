import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, unwrap } from '../api';
import {
  confirmPasswordReset,
  needsPasswordReset,
  requestPasswordReset,
  signInWithPassword,
  startHostedSignIn,
  type DiscoveredTenant,
  type LoginTarget,
  type PendingSession,
} from '../auth';
import { platformAdminSignIn, type ConsoleConfig } from '../config';
import { currentRoute, navigate } from '../context';
import { EmailField, Field, PasswordField, ProblemView, useAction } from '../ui';
import { applyBranding } from '../branding';

/**
 * Sign-in through discovery: an email (or the tenant's own host name) finds the tenant or tenants it belongs to; a
 * chooser when there are several; then the tenant's login, on its own branding. Platform admins use their own pool.
 */
export function LoginPage({ config, onSignedIn }: { config: ConsoleConfig; onSignedIn: () => void }) {
  const api = useMemo(() => createApi(config.apiUrl, async () => undefined), [config.apiUrl]);
  const [found, setFound] = useState<readonly DiscoveredTenant[]>();
  const [chosen, setChosen] = useState<PendingSession>();
  const [email, setEmail] = useState(currentRoute().query.get('email') ?? '');

  const discover = useAction(async (query: { email: string } | { host: string }) => {
    const { tenants } = await unwrap(api.GET('/v1/discovery', { params: { query } }));
    setFound(tenants);
    if (tenants.length === 1) choose(tenants[0]);
  });
  const choose = (tenant: DiscoveredTenant) => {
    applyBranding(tenant.branding, tenant.slug);
    setChosen({
      kind: 'tenant',
      apiUrl: tenant.apiUrl ?? config.apiUrl,
      login: {
        clientId: tenant.auth.clientId,
        ...(tenant.auth.cognitoEndpoint ? { cognitoEndpoint: tenant.auth.cognitoEndpoint } : {}),
        ...(tenant.auth.hostedUiUrl ? { hostedUiUrl: tenant.auth.hostedUiUrl } : {}),
        ...(tenant.auth.identityProviders?.length ? { identityProviders: tenant.auth.identityProviders } : {}),
      },
      tenantId: tenant.tenantId,
      slug: tenant.slug,
      branding: tenant.branding,
    });
  };
  // A tenant's own host name (acme.console.example) finds its login at once; an IP or localhost names no tenant.
  useEffect(() => {
    if (email) void discover.run({ email });
    else if (/^[a-z0-9-]+\.[a-z]/i.test(location.hostname) && !/^localhost$/i.test(location.hostname)) void discover.run({ host: location.host });
  }, []);

  if (chosen) return <TenantLogin pending={chosen} email={email} onBack={() => setChosen(undefined)} onSignedIn={onSignedIn} />;
  return (
    <main id="main" class="login">
      <h1>Sign in</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void discover.run({ email });
        }}
      >
        <Field label="Work email">
          <input name="email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <button type="submit" disabled={discover.busy}>
          {discover.busy ? 'Finding your organisation…' : 'Continue'}
        </button>
      </form>
      <ProblemView error={discover.error} />
      {found && found.length === 0 ? <p role="status">No organisation uses this email's domain. Ask your administrator for an invitation.</p> : null}
      {found && found.length > 1 ? (
        <section aria-labelledby="chooser">
          <h2 id="chooser">Choose your organisation</h2>
          <ul class="chooser">
            {found.map((tenant) => (
              <li key={tenant.tenantId}>
                <button
                  type="button"
                  class="secondary"
                  style={tenant.branding.primaryColor ? { borderColor: tenant.branding.primaryColor } : undefined}
                  onClick={() => choose(tenant)}
                >
                  {tenant.branding.displayName ?? tenant.slug} <small>({tenant.region})</small>
                </button>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {platformAdminSignIn(config) ? (
        <p>
          <button type="button" class="link" onClick={() => setChosen({ kind: 'platform', apiUrl: config.apiUrl, login: config.platformAdmin })}>
            Platform operator sign-in
          </button>
        </p>
      ) : null}
    </main>
  );
}

function TenantLogin({ pending, email, onBack, onSignedIn }: { pending: PendingSession; email: string; onBack: () => void; onSignedIn: () => void }) {
  const [password, setPassword] = useState('');
  const [username, setUsername] = useState(email);
  const [reset, setReset] = useState<'asked' | 'required'>();
  const signedIn = async (name: string, secret: string) => {
    await signInWithPassword(pending, name, secret);
    onSignedIn();
    navigate('/');
  };
  const signIn = useAction(async () => {
    try {
      await signedIn(username, password);
    } catch (error) {
      // A user its organisation moved to another region's pool sets a new password first, with the code mailed to it.
      if (needsPasswordReset(error)) setReset('required');
      throw error;
    }
  });
  const hosted = useAction((identityProvider?: string) => startHostedSignIn(pending, identityProvider));
  const title = pending.kind === 'platform' ? 'Platform operations' : (pending.branding?.displayName ?? pending.slug);
  return (
    <main id="main" class="login">
      <h1>Sign in to {title}</h1>
      <SingleSignOn login={pending.login} busy={hosted.busy} onChoose={(provider) => void hosted.run(provider)} />
      {pending.login.hostedUiUrl ? (
        <button type="button" disabled={hosted.busy} onClick={() => void hosted.run()}>
          Continue to {title}'s sign-in page
        </button>
      ) : reset ? (
        <PasswordReset pending={pending} email={username} required={reset === 'required'} onDone={signedIn} onCancel={() => setReset(undefined)} />
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void signIn.run();
          }}
        >
          <EmailField label="Email" value={username} onInput={setUsername} />
          <PasswordField label="Password" value={password} onInput={setPassword} />
          <button type="submit" disabled={signIn.busy}>
            {signIn.busy ? 'Signing in…' : 'Sign in'}
          </button>
          <button type="button" class="link" onClick={() => setReset('asked')}>
            Forgot your password?
          </button>
        </form>
      )}
      <ProblemView error={reset ? undefined : (signIn.error ?? hosted.error)} />
      <p>
        <button type="button" class="link" onClick={onBack}>
          Use another email
        </button>
      </p>
    </main>
  );
}

/**
 * The pool's forgotten-password flow (cognito-local; the hosted UI has its own): a code mailed to the user, then the
 * code and a new password, after which the user is signed in. A reset the pool requires (a user its organisation moved
 * to another region's pool) has mailed a code already; another can be asked for.
 */
function PasswordReset(props: {
  pending: PendingSession;
  email: string;
  required: boolean;
  onDone: (email: string, password: string) => Promise<void>;
  onCancel: () => void;
}) {
  const [email, setEmail] = useState(props.email);
  const [sent, setSent] = useState(props.required);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const send = useAction(async () => {
    await requestPasswordReset(props.pending, email);
    setSent(true);
  });
  const confirm = useAction(async () => {
    await confirmPasswordReset(props.pending, email, code.trim(), password);
    await props.onDone(email, password);
  });
  return (
    <section aria-labelledby="reset">
      <h2 id="reset">Set a new password</h2>
      {props.required ? <p>Your organisation moved its sign-in: set a new password with the code mailed to you.</p> : null}
      {sent ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void confirm.run();
          }}
        >
          <p role="status">A code was mailed to {email}.</p>
          <Field label="Code">
            <input name="code" inputMode="numeric" autocomplete="one-time-code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          </Field>
          <PasswordField label="New password" chosen value={password} onInput={setPassword} />
          <button type="submit" disabled={confirm.busy}>
            {confirm.busy ? 'Setting your password…' : 'Set password and sign in'}
          </button>
          <button type="button" class="link" disabled={send.busy} onClick={() => void send.run()}>
            Mail me another code
          </button>
        </form>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void send.run();
          }}
        >
          <EmailField label="Email" value={email} onInput={setEmail} />
          <button type="submit" disabled={send.busy}>
            {send.busy ? 'Mailing a code…' : 'Mail me a code'}
          </button>
        </form>
      )}
      <ProblemView error={send.error ?? confirm.error} />
      <p>
        <button type="button" class="link" onClick={props.onCancel}>
          Back to sign-in
        </button>
      </p>
    </section>
  );
}

/**
 * A button per company identity provider of the tenant's pool, sent to the hosted UI with `identity_provider` (no
 * stop on the pool's own sign-in form). Federation needs the hosted UI, which only AWS has: locally the buttons are
 * shown, disabled, with why.
 */
function SingleSignOn({ login, busy, onChoose }: { login: LoginTarget; busy: boolean; onChoose: (provider: string) => void }) {
  const providers = login.identityProviders ?? [];
  if (providers.length === 0) return null;
  const local = !login.hostedUiUrl;
  return (
    <section aria-labelledby="sso" class="sso">
      <h2 id="sso">Your company account</h2>
      <ul class="chooser">
        {providers.map((provider) => (
          <li key={provider}>
            <button
              type="button"
              class="secondary"
              disabled={busy || local}
              onClick={() => onChoose(provider)}
              aria-describedby={local ? 'sso-local' : undefined}
            >
              Sign in with {provider}
            </button>
          </li>
        ))}
      </ul>
      {local ? (
        <p id="sso-local">
          Single sign-on goes through the pool's hosted sign-in page, which only the AWS deployment has. Here, sign in with your email and password.
        </p>
      ) : null}
    </section>
  );
}
