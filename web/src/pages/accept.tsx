import { useMemo, useState } from 'preact/hooks';
import { createApi, unwrap } from '../api';
import type { ConsoleConfig } from '../config';
import { currentRoute, navigate } from '../context';
import { Field, PasswordField, ProblemView, useAction } from '../ui';

/** The invitation link's page: the invited person chooses a password, then signs in through discovery. */
export function AcceptPage({ config }: { config: ConsoleConfig }) {
  const api = useMemo(() => createApi(config.apiUrl, async () => undefined), [config.apiUrl]);
  const [code, setCode] = useState(currentRoute().query.get('code') ?? '');
  const [password, setPassword] = useState('');
  const accept = useAction(async () => {
    const accepted = await unwrap(api.POST('/v1/invitations/accept', { body: { code, password } }));
    navigate(`/login?email=${encodeURIComponent(accepted.email)}`);
  });
  return (
    <main id="main" class="login">
      <h1>Accept your invitation</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void accept.run();
        }}
      >
        <Field label="Invitation code">
          <input name="code" required value={code} onInput={(e) => setCode(e.currentTarget.value)} />
        </Field>
        <PasswordField
          label="Choose a password"
          chosen
          hint="At least 12 characters, with upper and lower case letters and a digit."
          value={password}
          onInput={setPassword}
        />
        <button type="submit" disabled={accept.busy}>
          {accept.busy ? 'Creating your account…' : 'Create my account'}
        </button>
      </form>
      <ProblemView error={accept.error} />
    </main>
  );
}
