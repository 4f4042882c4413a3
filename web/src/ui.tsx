import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { consoleProblem, ProblemError, type Problem } from './api';

/** Shared pieces of the pages: problems with their code, paginated lists, labelled fields. */

export function asProblem(error: unknown): Problem {
  if (error instanceof ProblemError) return error.problem;
  return consoleProblem(500, 'Something went wrong', error instanceof Error ? error.message : String(error), 'console-error').problem;
}

/** A problem as a person reads it: title, detail, the stable code, and the fields it names. */
export function ProblemView({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = asProblem(error);
  return (
    <div class="problem" role="alert">
      <strong>{problem.title}</strong> <span>{problem.detail}</span> <code class="code">{problem.code}</code>
      {problem.errors?.length ? (
        <ul>
          {problem.errors.map((issue) => (
            <li key={issue.pointer}>
              <code>{issue.pointer}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** Runs an action, keeping its busy state and its problem. */
export function useAction<A extends unknown[]>(action: (...args: A) => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(
    async (...args: A) => {
      setBusy(true);
      setError(undefined);
      try {
        await action(...args);
      } catch (caught) {
        setError(caught);
      } finally {
        setBusy(false);
      }
    },
    [action],
  );
  return { run, busy, error };
}

/**
 * What a page reads and shows: the answer (undefined until the first one), its problem, and `reload` to read again.
 * Read again when `deps` change; only the latest read's answer counts, so a slower earlier one never replaces it.
 */
export function useRead<T>(read: () => Promise<T>, deps: readonly unknown[]) {
  const [value, setValue] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let latest = true;
    setError(undefined);
    read().then(
      (answer) => latest && setValue(answer),
      (caught: unknown) => latest && setError(caught),
    );
    return () => {
      latest = false;
    };
  }, [...deps, generation]);
  return { value, error, reload: () => setGeneration((n) => n + 1) };
}

/** An answer, or null where the API answers 404 (nothing set yet: no budget, no model policy). */
export function orNothing<T>(answer: Promise<T>): Promise<T | null> {
  return answer.catch((error: unknown) => {
    if (error instanceof ProblemError && error.problem.status === 404) return null;
    throw error;
  });
}

interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** A list read page by page with the API's cursors; `reload` starts again from the first page. */
export function usePaged<T>(load: (cursor?: string) => Promise<Page<T>>, deps: readonly unknown[]) {
  const [items, setItems] = useState<readonly T[]>([]);
  const [cursor, setCursor] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  // Each read gets a number; only the latest one's answer counts, so a list whose filter changed (or that was
  // reloaded) while an earlier read was in flight never shows that earlier read's page.
  const reads = useRef(0);
  const fetchPage = async (after: string | undefined, append: boolean) => {
    const read = ++reads.current;
    setLoading(true);
    setError(undefined);
    try {
      const page = await load(after);
      if (read !== reads.current) return;
      setItems((previous) => (append ? [...previous, ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (caught) {
      if (read === reads.current) setError(caught);
    } finally {
      if (read === reads.current) setLoading(false);
    }
  };
  useEffect(() => {
    void fetchPage(undefined, false);
  }, [...deps, generation]);
  return {
    items,
    loading,
    error,
    hasMore: cursor !== undefined,
    more: () => fetchPage(cursor, true),
    reload: () => setGeneration((n) => n + 1),
  };
}

export function MoreButton({ list }: { list: { hasMore: boolean; loading: boolean; more: () => unknown } }) {
  if (!list.hasMore) return null;
  return (
    <button type="button" class="secondary" disabled={list.loading} onClick={() => list.more()}>
      {list.loading ? 'Loading…' : 'Load more'}
    </button>
  );
}

export function Field({ label, children, hint }: { label: string; children: ComponentChildren; hint?: string }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the child passed in, so the label wraps it
    <label class="field">
      <span>{label}</span>
      {children}
      {hint ? <small>{hint}</small> : null}
    </label>
  );
}

/** The email a user signs in with, in its labelled field. */
export function EmailField(props: { label: string; value: string; onInput: (value: string) => void }) {
  return (
    <Field label={props.label}>
      <input name="username" type="email" autocomplete="username" required value={props.value} onInput={(e) => props.onInput(e.currentTarget.value)} />
    </Field>
  );
}

/** A password input in its labelled field: the one being signed in with, or a new one being chosen. */
export function PasswordField(props: { label: string; value: string; onInput: (value: string) => void; chosen?: boolean; hint?: string }) {
  return (
    <Field label={props.label} {...(props.hint ? { hint: props.hint } : {})}>
      <input
        name={props.chosen ? 'new-password' : 'password'}
        type="password"
        autocomplete={props.chosen ? 'new-password' : 'current-password'}
        required
        value={props.value}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </Field>
  );
}

export function Busy({ when, label = 'Working…' }: { when: boolean; label?: string }) {
  return when ? (
    <p class="busy" role="status" aria-live="polite">
      {label}
    </p>
  ) : null;
}

/** A form value from its named field. */
export function formValue(form: HTMLFormElement, name: string): string {
  const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null;
  return field?.value.trim() ?? '';
}
