import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import type { Advisor } from '../types.ts';

interface TokenView {
  readonly id: number;
  readonly name: string;
  readonly advisorId: number;
  readonly createdAt: string;
  readonly revoked: boolean;
  readonly scopes: readonly string[];
  readonly lastUsedAt: string | null;
}

const scopeNames: Record<string, string> = {
  read: 'Read (any GET its account may call)',
  'inbound:write': 'Take in contacts (inbound API, callback requests)',
  admin: 'Change anything else its account may change',
};

/** API tokens: issue one with scopes (its secret shown once), see when each was last used, revoke. */
export function TokensAdmin() {
  const { directory } = useSession();
  const [tokens, setTokens] = useState<TokenView[] | null>(null);
  const [accounts, setAccounts] = useState<Advisor[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const load = useCallback(() => {
    api<{ items: TokenView[] }>('/api/tokens').then(
      (r) => setTokens(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
    api<{ items: Advisor[] }>('/api/advisors').then(
      (r) => setAccounts(r.items.filter((a) => a.active)),
      () => setAccounts([]),
    );
  }, []);
  useEffect(load, [load]);
  const nameOf = (id: number) =>
    accounts.find((a) => a.id === id)?.name ??
    directory.advisors.find((a) => a.id === id)?.name ??
    `account #${id}`;
  const issue = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const scopes = form.getAll('scope').map(String);
    if (scopes.length === 0) {
      setMessage('Choose at least one scope.');
      return;
    }
    try {
      const issued = await api<{ token: string }>('/api/tokens', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          name: String(form.get('name')),
          advisorId: Number(form.get('advisorId')),
          scopes,
        },
      });
      setSecret(issued.token);
      setMessage('Token issued: copy it now, it is shown only once.');
      formElement.reset();
      load();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  const revoke = async (token: TokenView) => {
    try {
      await api(`/api/tokens/${token.id}`, { method: 'DELETE' });
      setMessage(`Token “${token.name}” revoked.`);
      load();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">API tokens</h2>
      <p role="status">{message}</p>
      {secret && (
        <p>
          <input readOnly aria-label="New token" value={secret} size={50} />
        </p>
      )}
      {tokens === null ? (
        <p>Loading…</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Account</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Revoke</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th>
                <td>{nameOf(t.advisorId)}</td>
                <td>{t.scopes.join(', ')}</td>
                <td>{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>
                  {t.revoked ? (
                    'revoked'
                  ) : (
                    <button type="button" className="danger" onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="admin-form"
        onSubmit={(e) => void issue(e)}
        aria-labelledby="new-token-title"
      >
        <h3 id="new-token-title">New token</h3>
        <label>
          Token name
          <input name="name" required maxLength={120} />
        </label>
        <label>
          Account it acts as
          <select name="advisorId" required>
            {accounts.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name} ({a.role})
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>Scopes</legend>
          {Object.entries(scopeNames).map(([scope, name]) => (
            <label key={scope}>
              <input
                type="checkbox"
                name="scope"
                value={scope}
                defaultChecked={scope !== 'admin'}
              />{' '}
              {name}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary">
          Issue token
        </button>
      </form>
    </section>
  );
}
