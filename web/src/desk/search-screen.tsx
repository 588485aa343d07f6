import { useEffect, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { followLink, href, navigate, useLocation } from '../router.ts';
import { channelNames, clockTime, statusNames } from '../format.ts';
import type { CaseHit, Customer, SearchPage } from '../types.ts';

/** What a search asks, as the address bar keeps it: reload and the back button bring it back. */
interface SearchAsked {
  readonly q: string;
  readonly channel: string;
  readonly status: string;
  /** Days as the date fields write them (YYYY-MM-DD), both included. */
  readonly from: string;
  readonly to: string;
}

const channelChoices = ['email', 'chat', 'voice', 'sms', 'social', 'shop', 'internal'];
const statusChoices = ['open', 'pending_us', 'pending_customer', 'resolved', 'closed'];

/** The desk address of a search. */
export function searchPath(asked: SearchAsked): string {
  return `/search${query({ ...asked })}`;
}

/** Local midnight of a YYYY-MM-DD day, `days` later, as the API's instant. */
function dayStart(day: string, days = 0): string | undefined {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + days).toISOString();
}

/** The API's query for a search: the day range becomes [from's midnight, the day after to's). */
function apiQuery(asked: SearchAsked, cursor: string | null): string {
  return query({
    q: asked.q,
    channel: asked.channel,
    status: asked.status,
    from: asked.from ? dayStart(asked.from) : undefined,
    to: asked.to ? dayStart(asked.to, 1) : undefined,
    limit: 30,
    cursor,
  });
}

/**
 * Customers and cases matching the words typed (or a phone number as people write it), narrowed by
 * channel, status and dates; 30 cases a page, more on request.
 */
export function SearchScreen() {
  const { params } = useLocation();
  const asked: SearchAsked = {
    q: params.get('q') ?? '',
    channel: params.get('channel') ?? '',
    status: params.get('status') ?? '',
    from: params.get('from') ?? '',
    to: params.get('to') ?? '',
  };
  const askedKey = searchPath(asked);
  const [words, setWords] = useState(asked.q);
  const [customers, setCustomers] = useState<Customer[] | null>(null);
  const [cases, setCases] = useState<CaseHit[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setWords(asked.q);
    setCustomers(null);
    setCases([]);
    setNext(null);
    setError(null);
    if (!asked.q) return;
    let current = true;
    setLoading(true);
    api<SearchPage>(`/api/search${apiQuery(asked, null)}`).then(
      (page) => {
        if (!current) return;
        setCustomers(page.customers);
        setCases(page.cases);
        setNext(page.nextCursor);
        setLoading(false);
      },
      (e: unknown) => {
        if (!current) return;
        setError(messageOf(e));
        setLoading(false);
      },
    );
    return () => {
      current = false;
    };
  }, [askedKey]);

  const more = async () => {
    if (!next || loading) return;
    setLoading(true);
    try {
      const page = await api<SearchPage>(`/api/search${apiQuery(asked, next)}`);
      setCases((shown) => [...shown, ...page.cases]);
      setNext(page.nextCursor);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setLoading(false);
    }
  };

  const change = (patch: Partial<SearchAsked>) => navigate(searchPath({ ...asked, ...patch }));

  return (
    <div className="search-results">
      <h1>Search</h1>
      <form
        role="search"
        aria-label="Search cases and customers"
        className="search-form"
        onSubmit={(e) => {
          e.preventDefault();
          change({ q: words.trim() });
        }}
      >
        <label>
          Words or phone number
          <input type="search" value={words} onChange={(e) => setWords(e.target.value)} />
        </label>
        <label>
          Channel
          <select value={asked.channel} onChange={(e) => change({ channel: e.target.value })}>
            <option value="">Every channel</option>
            {channelChoices.map((c) => (
              <option key={c} value={c}>
                {channelNames[c] ?? c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={asked.status} onChange={(e) => change({ status: e.target.value })}>
            <option value="">Any status</option>
            {statusChoices.map((s) => (
              <option key={s} value={s}>
                {statusNames[s] ?? s}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input
            type="date"
            value={asked.from}
            max={asked.to || undefined}
            onChange={(e) => change({ from: e.target.value })}
          />
        </label>
        <label>
          To
          <input
            type="date"
            value={asked.to}
            min={asked.from || undefined}
            onChange={(e) => change({ to: e.target.value })}
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {!asked.q ? (
        <p className="empty">Type words or a phone number and press Enter (/ jumps to search).</p>
      ) : error ? (
        <p role="alert">{error}</p>
      ) : customers === null ? (
        <p>Searching…</p>
      ) : (
        <>
          {customers.length > 0 && (
            <section aria-labelledby="found-customers">
              <h2 id="found-customers">Customers ({customers.length})</h2>
              <ul>
                {customers.map((c) => (
                  <li key={c.id}>
                    <a
                      href={href(`/customers/${c.id}`)}
                      onClick={(e) => followLink(e, `/customers/${c.id}`)}
                    >
                      {c.displayName}
                    </a>{' '}
                    <small>{c.identities.map((i) => i.value).join(' · ')}</small>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="found-cases">
            <h2 id="found-cases">
              Cases ({cases.length}
              {next ? ' shown, more below' : ''})
            </h2>
            {cases.length === 0 ? (
              <p className="empty">No case matches “{asked.q}” with these filters.</p>
            ) : (
              <table className="found-cases">
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Customer</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Status</th>
                    <th scope="col">Channel</th>
                    <th scope="col">Matched</th>
                  </tr>
                </thead>
                <tbody>
                  {cases.map((c) => (
                    <tr key={c.conversationId} data-conversation={c.conversationId}>
                      <td>
                        <a
                          href={href(`/c/${c.conversationId}`)}
                          onClick={(e) => followLink(e, `/c/${c.conversationId}`)}
                        >
                          #{c.conversationId}
                        </a>
                      </td>
                      <td>{c.customerName}</td>
                      <td>{c.subject}</td>
                      <td>{statusNames[c.status] ?? c.status}</td>
                      <td>{channelNames[c.channel] ?? c.channel}</td>
                      <td>
                        <time dateTime={c.match.createdAt}>{clockTime(c.match.createdAt)}</time>
                        <p className="snippet">
                          {c.match.text.length > 200
                            ? `${c.match.text.slice(0, 200)}…`
                            : c.match.text}
                        </p>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {next && (
              <button type="button" onClick={() => void more()} disabled={loading}>
                {loading ? 'Loading…' : 'More results'}
              </button>
            )}
          </section>
        </>
      )}
    </div>
  );
}
