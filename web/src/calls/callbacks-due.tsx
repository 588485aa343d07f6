import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { followLink, href } from '../router.ts';
import { clockTime, duration } from '../format.ts';
import { useNow } from '../desk/use-now.ts';
import { callsApi, type DueCallback } from './calls-api.ts';
import './calls.css';

/**
 * The callbacks due, oldest first, each with its real wait (from when the customer first called)
 * and a one-click "Call back": Twilio rings the customer, then puts them through to my line.
 */
export function CallbacksDue() {
  const [items, setItems] = useState<DueCallback[] | null>(null);
  const [loadedAt, setLoadedAt] = useState(0);
  const [note, setNote] = useState<{ id: number; text: string; failed: boolean } | null>(null);
  const now = useNow();
  const load = useCallback(() => {
    api<{ items: DueCallback[] }>(callsApi.callbacks).then(
      (r) => {
        setItems(r.items);
        setLoadedAt(Date.now());
      },
      () => setItems([]),
    );
  }, []);
  useEffect(load, [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('work-item.') || event.type.startsWith('callback.'),
    load,
  );
  if (!items || items.length === 0) return null;
  const callBack = async (item: DueCallback) => {
    setNote(null);
    try {
      await api(callsApi.callBack(item.id), { method: 'POST' });
      setNote({
        id: item.id,
        text: `Calling ${item.customerName}: your line rings when they pick up.`,
        failed: false,
      });
      load();
    } catch (e) {
      setNote({ id: item.id, text: messageOf(e), failed: true });
    }
  };
  return (
    <section className="callbacks-due" aria-labelledby="callbacks-due-title">
      <h2 id="callbacks-due-title">Callbacks due ({items.length})</h2>
      <ol>
        {items.map((item) => (
          <li key={item.id} data-callback={item.id}>
            <a
              href={href(`/c/${item.conversationId}`)}
              onClick={(e) => followLink(e, `/c/${item.conversationId}`)}
            >
              {item.customerName}
            </a>{' '}
            <span className="callback-number">{item.number}</span>{' '}
            <span className="callback-wait" title={`waiting since ${item.since}`}>
              waiting {duration(item.waitMs + Math.max(0, now - loadedAt))}
            </span>{' '}
            {item.dueAt && (
              <span className="callback-due-at">
                not before <time dateTime={item.dueAt}>{clockTime(item.dueAt)}</time>
              </span>
            )}{' '}
            <button
              type="button"
              className="primary"
              disabled={item.status !== 'waiting' && item.status !== 'assigned'}
              onClick={() => void callBack(item)}
            >
              Call back
            </button>
            {note?.id === item.id && (
              <p role={note.failed ? 'alert' : 'status'} className={note.failed ? 'failed' : ''}>
                {note.text}
              </p>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
