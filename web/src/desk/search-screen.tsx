import { useEffect, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { followLink, href } from '../router.ts';
import { channelNames, clockTime } from '../format.ts';
import type { Customer, Interaction } from '../types.ts';

/** Customers and conversations matching what was typed in the header's search box. */
export function SearchScreen({ q }: { q: string }) {
  const [result, setResult] = useState<{
    customers: Customer[];
    interactions: Interaction[];
  } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!q) return;
    setResult(null);
    api<{ customers: Customer[]; interactions: Interaction[] }>(
      `/api/search${query({ q, limit: 30 })}`,
    ).then(setResult, (e: unknown) => setError(messageOf(e)));
  }, [q]);
  if (!q) return <p className="empty">Type in the search box above (press /).</p>;
  if (error) return <p role="alert">{error}</p>;
  if (!result) return <p>Searching…</p>;
  return (
    <div className="search-results">
      <h1>Search: “{q}”</h1>
      <section aria-labelledby="found-customers">
        <h2 id="found-customers">Customers ({result.customers.length})</h2>
        <ul>
          {result.customers.map((c) => (
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
      <section aria-labelledby="found-messages">
        <h2 id="found-messages">Conversations ({result.interactions.length})</h2>
        <ul>
          {result.interactions.map((i) => (
            <li key={i.id}>
              <a
                href={href(`/c/${i.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${i.conversationId}`)}
              >
                Case #{i.conversationId}
              </a>{' '}
              <small>
                {channelNames[i.channel]} · {clockTime(i.createdAt)}
              </small>
              <p className="snippet">{i.text.length > 240 ? `${i.text.slice(0, 240)}…` : i.text}</p>
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
