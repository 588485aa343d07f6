import { useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from './api.ts';

interface LinkInfo {
  readonly name: string;
  readonly email: string;
  readonly purpose: 'invite' | 'reset';
  readonly expiresAt: string;
}

/** The token of a set-password link: in the address's fragment, which no server sees or logs. */
function tokenOfLocation(): string {
  return new URLSearchParams(location.hash.slice(1)).get('token') ?? '';
}

/**
 * The page a set-password link opens: the person chooses a password (twice) and is signed in.
 * A used, expired or unknown link says so, and who to ask.
 */
export function SetPasswordPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [token] = useState(tokenOfLocation);
  const [info, setInfo] = useState<LinkInfo | null>(null);
  const [dead, setDead] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!token) {
      setDead('This link has no token: open the whole link you were sent.');
      return;
    }
    api<LinkInfo>('/api/auth/password-link', { method: 'POST', body: { token } }).then(
      setInfo,
      () =>
        setDead(
          'This link no longer works: it was used already, or it expired. Ask your administrator for a new one.',
        ),
    );
  }, [token]);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get('password'));
    if (password !== String(form.get('again'))) {
      setError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api('/api/auth/set-password', { method: 'POST', body: { token, password } });
      // The token leaves the address bar and the history entry.
      history.replaceState(null, '', '/desk/');
      onSignedIn();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      {dead ? (
        <div>
          <h1>Set your password</h1>
          <p role="alert">{dead}</p>
          <p>
            <a href="/desk/">Go to sign in</a>
          </p>
        </div>
      ) : !info ? (
        <p>Checking the link…</p>
      ) : (
        <form onSubmit={(e) => void submit(e)} aria-labelledby="set-password-title">
          <h1 id="set-password-title">
            {info.purpose === 'invite' ? 'Welcome to Rapport' : 'Choose a new password'}
          </h1>
          <p>
            {info.name}, choose the password you will sign in with as {info.email}.
          </p>
          <label>
            New password (10 characters or more)
            <input
              name="password"
              type="password"
              minLength={10}
              maxLength={200}
              autoComplete="new-password"
              required
              autoFocus
            />
          </label>
          <label>
            The same password again
            <input name="again" type="password" autoComplete="new-password" required />
          </label>
          {error && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Set password and sign in'}
          </button>
        </form>
      )}
    </main>
  );
}
