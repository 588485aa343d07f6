import { useCallback, useEffect, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { followLink, href, navigate } from '../router.ts';
import { useShortcut } from '../shortcuts.tsx';
import { channelNames, duration, statusNames } from '../format.ts';
import type { WaitingCase } from '../types.ts';
import { useSession } from '../app.tsx';
import { useNow } from './use-now.ts';
import { QueuesPanel } from '../routing/queues-panel.tsx';
import { MyRoutedWork } from '../routing/my-routed-work.tsx';
import { CallbacksDue } from '../calls/callbacks-due.tsx';

type View = 'waiting' | 'mine';
interface Filters {
  view: View;
  channel: string;
  status: string;
  tag: string;
  teamId: string;
}

interface WorkResult {
  items: WaitingCase[];
  total: number;
  /** When the next snoozed case wakes: the list reloads then. */
  nextWakeAt: string | null;
}

const defaultFilters: Filters = { view: 'waiting', channel: '', status: '', tag: '', teamId: '' };
const workUrl = (f: Filters) =>
  `/api/desk/work${query({ view: f.view, channel: f.channel, status: f.status, tag: f.tag.trim(), teamId: f.teamId, limit: 100 })}`;
let prefetched: Promise<WorkResult> | null = null;

/** Starts loading the default work list while the shell signs in, so the first screen needs one round trip. */
export function prefetchWork(): void {
  prefetched = api<WorkResult>(workUrl(defaultFilters));
  prefetched.catch(() => undefined);
}

const channelOptions = ['email', 'chat', 'voice', 'sms', 'social', 'shop'];
const statusOptions = ['open', 'pending_us', 'pending_customer', 'resolved', 'closed'];

/** My cases and everyone waiting in my scope, earliest deadline first, updated live. */
export function WorkList({ selectedId }: { selectedId: number | null }) {
  const { directory } = useSession();
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [items, setItems] = useState<WaitingCase[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [nextWakeAt, setNextWakeAt] = useState<string | null>(null);
  const now = useNow();

  const load = useCallback(async () => {
    try {
      const early = filters === defaultFilters ? prefetched : null;
      prefetched = null;
      const result = await (early ?? api<WorkResult>(workUrl(filters)));
      setItems(result.items);
      setTotal(result.total);
      setNextWakeAt(result.nextWakeAt);
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [filters]);

  useEffect(() => {
    void load();
  }, [load]);
  // A snoozed case comes back when its time comes, with no event to announce it.
  useEffect(() => {
    if (!nextWakeAt) return;
    const wait = Math.min(Math.max(0, Date.parse(nextWakeAt) - Date.now()) + 500, 3_600_000);
    const timer = window.setTimeout(() => void load(), wait);
    return () => window.clearTimeout(timer);
  }, [nextWakeAt, load]);
  useLiveRefresh(
    (event) =>
      event.type.startsWith('interaction.') ||
      event.type.startsWith('conversation.') ||
      event.type === 'customer.merged',
    () => void load(),
  );

  const step = (delta: number) => {
    if (!items || items.length === 0) return;
    const index = items.findIndex((i) => i.conversationId === selectedId);
    const next =
      items[
        index === -1
          ? delta > 0
            ? 0
            : items.length - 1
          : Math.min(items.length - 1, Math.max(0, index + delta))
      ];
    if (next) navigate(`/c/${next.conversationId}`);
  };
  useShortcut('j', () => step(1));
  useShortcut('k', () => step(-1));

  const set = (change: Partial<Filters>) => setFilters((f) => ({ ...f, ...change }));

  return (
    <section className="work" aria-labelledby="work-title">
      <h1 id="work-title" className="visually-hidden">
        Work
      </h1>
      <MyRoutedWork />
      <CallbacksDue />
      <QueuesPanel />
      <div className="views" role="group" aria-label="Which work">
        <button
          type="button"
          aria-pressed={filters.view === 'waiting'}
          onClick={() => set({ view: 'waiting' })}
        >
          Waiting for an answer
        </button>
        <button
          type="button"
          aria-pressed={filters.view === 'mine'}
          onClick={() => set({ view: 'mine' })}
        >
          My cases
        </button>
      </div>
      <details className="filters">
        <summary>
          Filters{filters.channel || filters.status || filters.tag || filters.teamId ? ' (on)' : ''}
        </summary>
        <label>
          Channel
          <select value={filters.channel} onChange={(e) => set({ channel: e.target.value })}>
            <option value="">All channels</option>
            {channelOptions.map((c) => (
              <option key={c} value={c}>
                {channelNames[c]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={(e) => set({ status: e.target.value })}>
            <option value="">Active</option>
            {statusOptions.map((s) => (
              <option key={s} value={s}>
                {statusNames[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <input
            value={filters.tag}
            onChange={(e) => set({ tag: e.target.value })}
            placeholder="any"
          />
        </label>
        <label>
          Team
          <select value={filters.teamId} onChange={(e) => set({ teamId: e.target.value })}>
            <option value="">All my teams</option>
            {directory.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
      </details>
      {error && <p role="alert">{error}</p>}
      <p className="count" aria-live="polite">
        {items === null
          ? 'Loading…'
          : `${total} ${filters.view === 'waiting' ? 'waiting' : 'cases'}${total > items.length ? `, first ${items.length} shown` : ''}`}
      </p>
      <ol
        className="items"
        aria-label={filters.view === 'waiting' ? 'Customers waiting for an answer' : 'My cases'}
      >
        {(items ?? []).map((item) => (
          <WorkRow
            key={item.conversationId}
            item={item}
            now={now}
            selected={item.conversationId === selectedId}
          />
        ))}
      </ol>
      {items?.length === 0 && <p className="empty">Nobody is waiting here. Well done.</p>}
    </section>
  );
}

function WorkRow({ item, now, selected }: { item: WaitingCase; now: number; selected: boolean }) {
  const to = `/c/${item.conversationId}`;
  let wait = null;
  if (item.waitingSince && item.deadline) {
    const since = Date.parse(item.waitingSince);
    const deadline = Date.parse(item.deadline);
    const left = deadline - now;
    const used = Math.min(1, Math.max(0, (now - since) / Math.max(1, deadline - since)));
    wait = (
      <span className={`wait ${left < 0 ? 'late' : used > 0.75 ? 'soon' : ''}`}>
        waiting {duration(now - since)} ·{' '}
        {left < 0 ? `${duration(-left)} past its deadline` : `due in ${duration(left)}`}
        <span className="meter" aria-hidden="true">
          <span style={{ width: `${Math.round(used * 100)}%` }} />
        </span>
      </span>
    );
  }
  return (
    <li className={selected ? 'selected' : undefined} data-conversation={item.conversationId}>
      <a
        href={href(to)}
        onClick={(e) => followLink(e, to)}
        aria-current={selected ? 'true' : undefined}
      >
        <span className="line">
          <span className={`channel ch-${item.channel}`}>
            {channelNames[item.channel] ?? item.channel}
          </span>
          <strong>{item.customerName}</strong>
          {item.priority !== 'normal' && (
            <span className={`priority p-${item.priority}`}>{item.priority}</span>
          )}
        </span>
        <span className="subject">{item.subject}</span>
        {wait ?? (
          <span className="wait">
            {statusNames[item.status]}
            {item.snoozedUntil &&
              ` · snoozed until ${new Date(item.snoozedUntil).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}`}
          </span>
        )}
        {item.tags.length > 0 && (
          <span className="tags">{item.tags.map((t) => `#${t}`).join(' ')}</span>
        )}
      </a>
    </li>
  );
}
