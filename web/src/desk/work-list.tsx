import { useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { followLink, href, navigate } from '../router.ts';
import { useShortcut } from '../shortcuts.tsx';
import { channelNames, duration, statusNames } from '../format.ts';
import type { WaitingCase } from '../types.ts';
import type { ViewCase, ViewSummary } from '../../../src/api-types/views.ts';
import type { LiveEvent } from '../../../src/api-types/events.ts';
import { useSession } from '../app.tsx';
import { useNow } from './use-now.ts';
import { QueuesPanel } from '../routing/queues-panel.tsx';
import { MyRoutedWork } from '../routing/my-routed-work.tsx';
import { CallbacksDue } from '../calls/callbacks-due.tsx';
import { SaveView, ViewsBar, waitingView } from './views-bar.tsx';
import { useReadStateChanges } from './read-state.ts';
import { NewCaseButton } from './new-case.tsx';

interface Filters {
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

/** A row of the list, whichever view it came from. */
type Row = (WaitingCase | ViewCase) & { unread: boolean };

const defaultFilters: Filters = { channel: '', status: '', tag: '', teamId: '' };
const workUrl = (f: Filters) =>
  `/api/desk/work${query({ view: 'waiting', channel: f.channel, status: f.status, tag: f.tag.trim(), teamId: f.teamId, limit: 100 })}`;
let prefetched: Promise<WorkResult> | null = null;

/** Starts loading the default work list while the shell signs in, so the first screen needs one round trip. */
export function prefetchWork(): void {
  prefetched = api<WorkResult>(workUrl(defaultFilters));
  prefetched.catch(() => undefined);
}

const channelOptions = ['email', 'chat', 'voice', 'sms', 'social', 'shop'];
const statusOptions = ['open', 'pending_us', 'pending_customer', 'resolved', 'closed'];

/** Events after which what a view holds, or its counts, may have changed. */
const changesWork = (event: LiveEvent) =>
  event.type.startsWith('interaction.') ||
  event.type.startsWith('conversation.') ||
  event.type.startsWith('work-item.') ||
  event.type === 'customer.merged';

const viewPath = (key: string, cursor: string | null) => {
  const saved = /^saved:(\d+)$/.exec(key);
  return `/api/views/cases${query({ ...(saved ? { savedViewId: saved[1] } : { view: key }), limit: 50, cursor })}`;
};

/** My views of the work (waiting, all, my team, unassigned, mine, resolved, saved), counted and updated live. */
export function WorkList({ selectedId }: { selectedId: number | null }) {
  const { directory } = useSession();
  const [view, setView] = useState<string>(waitingView);
  const [filters, setFilters] = useState<Filters>(defaultFilters);
  const [items, setItems] = useState<Row[] | null>(null);
  const [total, setTotal] = useState(0);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [views, setViews] = useState<ViewSummary[] | null>(null);
  const [waitingUnread, setWaitingUnread] = useState<number | null>(null);
  const [waitingCount, setWaitingCount] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [nextWakeAt, setNextWakeAt] = useState<string | null>(null);
  const now = useNow();
  // Only the latest load counts: an older answer arriving late never replaces a newer one.
  const generation = useRef(0);

  const loadCounts = useCallback(async () => {
    try {
      const [summaries, waiting] = await Promise.all([
        api<{ items: ViewSummary[] }>('/api/views'),
        api<WorkResult>('/api/desk/work?view=waiting&limit=200'),
      ]);
      const ids = waiting.items.map((i) => i.conversationId);
      const unread =
        ids.length === 0
          ? []
          : (await api<{ unread: number[] }>(`/api/read-states?ids=${ids.join(',')}`)).unread;
      setViews(summaries.items);
      setWaitingCount(waiting.total);
      // Every waiting case was asked about: the unread among them are all the unread.
      setWaitingUnread(waiting.total <= ids.length ? unread.length : null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);

  const load = useCallback(async () => {
    const mine = ++generation.current;
    try {
      if (view === waitingView) {
        const early = filters === defaultFilters ? prefetched : null;
        prefetched = null;
        const result = await (early ?? api<WorkResult>(workUrl(filters)));
        const ids = result.items.map((i) => i.conversationId);
        const unread =
          ids.length === 0
            ? []
            : (await api<{ unread: number[] }>(`/api/read-states?ids=${ids.join(',')}`)).unread;
        if (mine !== generation.current) return;
        setItems(result.items.map((i) => ({ ...i, unread: unread.includes(i.conversationId) })));
        setTotal(result.total);
        setNextWakeAt(result.nextWakeAt);
        setNextCursor(null);
      } else {
        const page = await api<{ items: ViewCase[]; nextCursor: string | null }>(
          viewPath(view, null),
        );
        if (mine !== generation.current) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
      }
      setError(null);
    } catch (e) {
      if (mine === generation.current) setError(messageOf(e));
    }
  }, [filters, view]);

  const loadMore = async () => {
    if (!nextCursor || view === waitingView) return;
    const mine = generation.current;
    try {
      const page = await api<{ items: ViewCase[]; nextCursor: string | null }>(
        viewPath(view, nextCursor),
      );
      if (mine !== generation.current) return;
      setItems((current) => [...(current ?? []), ...page.items]);
      setNextCursor(page.nextCursor);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    void loadCounts();
  }, [loadCounts]);
  // A snoozed case comes back when its time comes, with no event to announce it.
  useEffect(() => {
    if (!nextWakeAt || view !== waitingView) return;
    const wait = Math.min(Math.max(0, Date.parse(nextWakeAt) - Date.now()) + 500, 3_600_000);
    const timer = window.setTimeout(() => void load(), wait);
    return () => window.clearTimeout(timer);
  }, [nextWakeAt, load, view]);
  // Lists and counts follow the live events, not a poll.
  useLiveRefresh(changesWork, () => {
    void load();
    void loadCounts();
  });
  useReadStateChanges((id) => {
    setItems((current) =>
      current
        ? current.map((i) => (i.conversationId === id ? { ...i, unread: false } : i))
        : current,
    );
    void load();
    void loadCounts();
  });

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
  const choose = (key: string) => {
    setItems(null);
    setView(key);
  };
  const current = views?.find((v) => v.key === view);
  const count = view === waitingView ? total : (current?.count ?? items?.length ?? 0);
  const name = view === waitingView ? 'Waiting for an answer' : (current?.name ?? 'Cases');

  const deleteView = async () => {
    if (!current?.savedViewId || !window.confirm(`Delete the view “${current.name}”?`)) return;
    try {
      await api(`/api/views/${current.savedViewId}`, { method: 'DELETE' });
      choose(waitingView);
      void loadCounts();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  return (
    <section className="work" aria-labelledby="work-title">
      <h1 id="work-title" className="visually-hidden">
        Work
      </h1>
      <MyRoutedWork />
      <CallbacksDue />
      <QueuesPanel />
      <NewCaseButton />
      <ViewsBar
        views={views}
        waiting={{ count: waitingCount, unread: waitingUnread }}
        selected={view}
        onSelect={choose}
      />
      <SaveView
        onSaved={(key) => {
          void loadCounts();
          choose(key);
        }}
      />
      {view === waitingView && (
        <details className="filters">
          <summary>
            Filters
            {filters.channel || filters.status || filters.tag || filters.teamId ? ' (on)' : ''}
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
      )}
      {current?.savedViewId && current.own && (
        <p className="view-actions">
          {current.sharedTeamId !== null && 'Shared with your team. '}
          <button type="button" className="link danger" onClick={() => void deleteView()}>
            Delete this view
          </button>
        </p>
      )}
      {error && <p role="alert">{error}</p>}
      <p className="count" aria-live="polite">
        {items === null
          ? 'Loading…'
          : `${count} ${view === waitingView ? 'waiting' : count === 1 ? 'case' : 'cases'}${count > items.length ? `, first ${items.length} shown` : ''}`}
      </p>
      <ol
        className="items"
        aria-label={view === waitingView ? 'Customers waiting for an answer' : name}
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
      {nextCursor && (
        <button type="button" className="more" onClick={() => void loadMore()}>
          Show more
        </button>
      )}
      {items?.length === 0 && (
        <p className="empty">
          {view === waitingView ? 'Nobody is waiting here. Well done.' : 'No case in this view.'}
        </p>
      )}
    </section>
  );
}

function WorkRow({ item, now, selected }: { item: Row; now: number; selected: boolean }) {
  const to = `/c/${item.conversationId}`;
  let wait = null;
  if ('deadline' in item && item.waitingSince && item.deadline) {
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
  const snoozedUntil = 'snoozedUntil' in item ? item.snoozedUntil : null;
  const classes = [selected ? 'selected' : '', item.unread ? 'unread' : ''].filter(Boolean);
  return (
    <li
      className={classes.length > 0 ? classes.join(' ') : undefined}
      data-conversation={item.conversationId}
      data-unread={item.unread ? 'true' : undefined}
    >
      <a
        href={href(to)}
        onClick={(e) => followLink(e, to)}
        aria-current={selected ? 'true' : undefined}
      >
        <span className="line">
          {item.unread && (
            <span className="unread-dot" role="img" aria-label="unread">
              ●
            </span>
          )}
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
            {snoozedUntil &&
              ` · snoozed until ${new Date(snoozedUntil).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}`}
            {!('deadline' in item) &&
              ` · ${duration(Math.max(0, now - Date.parse(item.lastInteractionAt)))} ago`}
          </span>
        )}
        {item.tags.length > 0 && (
          <span className="tags">{item.tags.map((t) => `#${t}`).join(' ')}</span>
        )}
      </a>
    </li>
  );
}
