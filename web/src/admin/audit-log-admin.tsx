import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { useSession } from '../app.tsx';
import { followLink, href } from '../router.ts';

interface AuditEvent {
  readonly id: number;
  readonly type: string;
  readonly actor: {
    readonly type: string;
    readonly id: number | null;
    readonly name: string | null;
  };
  readonly entity: { readonly type: string; readonly id: number };
  readonly customerId: number | null;
  readonly conversationId: number | null;
  readonly before: unknown;
  readonly after: unknown;
  readonly at: string;
}

interface Filters {
  actorId: string;
  type: string;
  conversationId: string;
  customerId: string;
  from: string;
  to: string;
}

const empty: Filters = {
  actorId: '',
  type: '',
  conversationId: '',
  customerId: '',
  from: '',
  to: '',
};
const pageSize = 50;

function queryOf(filters: Filters, beforeId: number | null): string {
  const q = new URLSearchParams({ limit: String(pageSize) });
  if (filters.actorId) q.set('actorId', filters.actorId);
  if (filters.type) q.set('type', filters.type);
  if (filters.conversationId) q.set('conversationId', filters.conversationId);
  if (filters.customerId) q.set('customerId', filters.customerId);
  // Dates are days in the browser's zone: from its start, to the end of the "to" day.
  if (filters.from) q.set('from', new Date(`${filters.from}T00:00`).toISOString());
  if (filters.to)
    q.set('to', new Date(new Date(`${filters.to}T00:00`).getTime() + 86_400_000).toISOString());
  if (beforeId !== null) q.set('beforeId', String(beforeId));
  return q.toString();
}

/** The audit log: who did what, when, filtered by person, event type, case, customer and dates; paged. */
export function AuditLogAdmin() {
  const { directory } = useSession();
  const [filters, setFilters] = useState<Filters>(empty);
  const [types, setTypes] = useState<string[]>([]);
  const [pages, setPages] = useState<Array<number | null>>([null]);
  const [result, setResult] = useState<{ items: AuditEvent[]; nextBeforeId: number | null } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);
  const beforeId = pages[pages.length - 1] ?? null;
  const load = useCallback(() => {
    api<{ items: AuditEvent[]; nextBeforeId: number | null }>(
      `/api/events?${queryOf(filters, beforeId)}`,
    ).then(
      (r) => {
        setResult(r);
        setError(null);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, [filters, beforeId]);
  useEffect(load, [load]);
  useEffect(() => {
    api<{ items: string[] }>('/api/events/types').then(
      (r) => setTypes(r.items),
      () => setTypes([]),
    );
  }, []);
  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const value = (name: keyof Filters) => String(form.get(name) ?? '').trim();
    setFilters({
      actorId: value('actorId'),
      type: value('type'),
      conversationId: value('conversationId').replace(/^#/, ''),
      customerId: value('customerId').replace(/^#/, ''),
      from: value('from'),
      to: value('to'),
    });
    setPages([null]);
  };
  const areas = [...new Set(types.map((t) => `${t.split('.')[0]}.`))];
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <form className="admin-form filters" onSubmit={apply} aria-label="Filter the audit log">
        <label>
          Who
          <select name="actorId" defaultValue="">
            <option value="">Anyone</option>
            {directory.advisors.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          What
          <select name="type" defaultValue="">
            <option value="">Any event</option>
            {areas.map((a) => (
              <option key={a} value={a}>
                Any {a.slice(0, -1)} event
              </option>
            ))}
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Case number
          <input name="conversationId" inputMode="numeric" pattern="#?[0-9]*" size={6} />
        </label>
        <label>
          Customer number
          <input name="customerId" inputMode="numeric" pattern="#?[0-9]*" size={6} />
        </label>
        <label>
          From
          <input name="from" type="date" />
        </label>
        <label>
          To
          <input name="to" type="date" />
        </label>
        <button type="submit" className="primary">
          Show
        </button>
      </form>
      {error && <p role="alert">{error}</p>}
      {!result ? (
        <p>Loading…</p>
      ) : result.items.length === 0 ? (
        <p>No event matches these filters.</p>
      ) : (
        <table className="admin-table audit-log">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What</th>
              <th scope="col">About</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((e) => (
              <tr key={e.id}>
                <td>{new Date(e.at).toLocaleString()}</td>
                <td>{e.actor.name ?? e.actor.type}</td>
                <td>{e.type}</td>
                <td>
                  {e.conversationId !== null ? (
                    <a
                      href={href(`/c/${e.conversationId}`)}
                      onClick={(ev) => followLink(ev, `/c/${e.conversationId}`)}
                    >
                      case #{e.conversationId}
                    </a>
                  ) : (
                    `${e.entity.type} #${e.entity.id}`
                  )}
                </td>
                <td>
                  <small>
                    {e.before !== null && `before ${JSON.stringify(e.before)} `}
                    {e.after !== null && `after ${JSON.stringify(e.after)}`}
                  </small>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        <button
          type="button"
          disabled={pages.length <= 1}
          onClick={() => setPages(pages.slice(0, -1))}
        >
          Newer
        </button>{' '}
        <button
          type="button"
          disabled={!result?.nextBeforeId}
          onClick={() => result?.nextBeforeId && setPages([...pages, result.nextBeforeId])}
        >
          Older
        </button>
      </p>
    </section>
  );
}
