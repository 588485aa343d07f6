import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, messageOf } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { useSession } from '../app.tsx';
import { followLink, href } from '../router.ts';
import { kindNames, statusNames } from '../format.ts';
import { Timeline } from '../desk/timeline.tsx';
import type {
  CounterCustomer,
  DeskTicket,
  QueueEntry,
  ShopFloorView,
} from '../../../src/api-types/shop-desk.ts';
import './shop-desk.css';

/**
 * The shop desk: a shop advisor's counter. Today's appointments and the walk-in queue with their
 * waits, a big "Call next", then recall / no-show / transfer / serve / finish for the visitor at the
 * desk, and, while serving, the customer's whole timeline with their other open cases, each settled
 * from here. The desk is held by this browser tab; another tab asks to take it over, and this one
 * learns live when it lost it.
 */

/** Who works a shop desk (the server's rule too): shop advisors, supervisors, admins. */
export const shopDeskRoles: readonly string[] = ['shop_advisor', 'supervisor', 'admin'];

const reasonNames: Record<QueueEntry['reason'], string> = {
  'aged-walk-in': 'waited long: goes first',
  'due-appointment': 'appointment due',
  'walk-in': 'walk-in',
  'early-appointment': 'appointment, early',
};

/** One key per browser tab: sessionStorage is the tab's own. */
function tabKey(): string {
  let key = sessionStorage.getItem('rapport.shopDesk.tab');
  if (!key) {
    key = crypto.randomUUID().replace(/-/g, '');
    sessionStorage.setItem('rapport.shopDesk.tab', key);
  }
  return key;
}

type Hold =
  | { kind: 'none' }
  | { kind: 'held' }
  | { kind: 'asked'; detail: string }
  | { kind: 'lost'; by: string | null };

export function ShopDeskScreen() {
  const { me } = useSession();
  const [shops, setShops] = useState<Array<{ id: number; name: string }> | null>(null);
  const [shopId, setShopId] = useState<number | null>(me.shopId);
  useEffect(() => {
    if (me.role === 'shop_advisor') return;
    void api<{ items: Array<{ id: number; name: string }> }>('/api/shops').then((r) => {
      setShops(r.items);
      setShopId((s) => s ?? r.items[0]?.id ?? null);
    });
  }, [me.role]);

  if (shopId === null)
    return (
      <main id="main" className="shop-desk">
        <p className="empty">
          {me.role === 'shop_advisor'
            ? 'You are not placed in a shop yet: ask an administrator.'
            : 'No shop yet.'}
        </p>
      </main>
    );
  return (
    <main id="main" className="shop-desk">
      {shops && shops.length > 1 && (
        <label className="shop-pick">
          Shop{' '}
          <select value={shopId} onChange={(e) => setShopId(Number(e.target.value))}>
            {shops.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <Floor key={shopId} shopId={shopId} />
    </main>
  );
}

function Floor({ shopId }: { shopId: number }) {
  const sessionKey = useRef(tabKey()).current;
  const deskStore = `rapport.shopDesk.desk.${shopId}`;
  const [deskId, setDeskId] = useState<number | null>(() => {
    const saved = Number(localStorage.getItem(deskStore));
    return saved > 0 ? saved : null;
  });
  const [view, setView] = useState<ShopFloorView | null>(null);
  const [hold, setHold] = useState<Hold>({ kind: 'none' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // Loads overlap (a desk chosen loads once, and again once it is held): only the latest answer
  // counts, so an older one arriving late never shows the desk as not held.
  const latestLoad = useRef(0);
  const load = useCallback(async () => {
    const mine = ++latestLoad.current;
    try {
      const query = new URLSearchParams({ sessionKey });
      if (deskId !== null) query.set('deskId', String(deskId));
      const next = await api<ShopFloorView>(`/api/shop-desk/shops/${shopId}?${query}`);
      if (mine !== latestLoad.current) return;
      setView(next);
      if (next.session && !next.session.mine)
        setHold((h) =>
          h.kind === 'held' ? { kind: 'lost', by: next.session?.advisorName ?? null } : h,
        );
    } catch (e) {
      if (e instanceof ApiError && e.status === 404 && deskId !== null) {
        localStorage.removeItem(deskStore);
        setDeskId(null);
      } else setError(messageOf(e));
    }
  }, [shopId, deskId, sessionKey, deskStore]);

  const sit = useCallback(
    async (takeOver: boolean) => {
      if (deskId === null) return;
      try {
        await api(`/api/shop-desk/desks/${deskId}/session`, {
          method: 'POST',
          body: { sessionKey, takeOver },
        });
        setHold({ kind: 'held' });
        setError(null);
      } catch (e) {
        if (e instanceof ApiError && e.problem && e.status === 409)
          setHold((h) =>
            h.kind === 'held' || h.kind === 'lost'
              ? { kind: 'lost', by: null }
              : { kind: 'asked', detail: e.message },
          );
        else setError(messageOf(e));
      }
      await load();
    },
    [deskId, sessionKey, load],
  );

  useEffect(() => {
    void load();
    if (deskId !== null) void sit(false);
    // The desk's choice changes what is loaded and held; nothing else re-runs this.
  }, [deskId]);
  // Still here: the desk stays this tab's while it is open (a closed tab lets go in two minutes).
  useEffect(() => {
    if (hold.kind !== 'held') return;
    const timer = window.setInterval(() => void sit(false), 30_000);
    return () => window.clearInterval(timer);
  }, [hold.kind, sit]);
  // A closed tab lets go of its desk at once (a crashed one after two minutes unseen).
  useEffect(() => {
    if (hold.kind !== 'held' || deskId === null) return;
    const leave = () =>
      navigator.sendBeacon(
        `/api/shop-desk/desks/${deskId}/leave`,
        new Blob([JSON.stringify({ sessionKey })], { type: 'application/json' }),
      );
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, [hold.kind, deskId, sessionKey]);
  // Waits grow while nobody presses anything.
  useEffect(() => {
    const timer = window.setInterval(() => void load(), 30_000);
    return () => window.clearInterval(timer);
  }, [load]);
  // Every change on the floor (a call, a take-over of this desk) is fetched again: the floor says
  // whether this tab still holds the desk.
  useLiveRefresh(
    (event) => event.type.startsWith('shop.'),
    () => void load(),
  );

  const act = async (path: string, body: object = {}) => {
    setBusy(true);
    setError(null);
    try {
      await api(path, { method: 'POST', body: { sessionKey, ...body } });
    } catch (e) {
      const type = e instanceof ApiError ? (e.problem as { type?: string } | null)?.type : '';
      if (type?.endsWith('/desk-not-held')) setHold({ kind: 'lost', by: null });
      setError(messageOf(e));
    } finally {
      setBusy(false);
      await load();
    }
  };

  if (!view) return <p className="empty">{error ?? 'Loading the shop floor…'}</p>;
  const current = view.current;
  const held = hold.kind === 'held' && view.session?.mine === true;
  return (
    <>
      <header className="floor-head">
        <h1>
          Shop desk · {view.shop.name}
          <span className="zone">
            {view.day}, times in {view.shop.timeZone}
          </span>
        </h1>
        <label>
          Desk{' '}
          <select
            aria-label="Desk"
            value={deskId ?? ''}
            onChange={(e) => {
              const id = Number(e.target.value) || null;
              if (id) localStorage.setItem(deskStore, String(id));
              // Another desk chosen: the one this tab held is free for a colleague now.
              if (deskId !== null && hold.kind === 'held')
                void api(`/api/shop-desk/desks/${deskId}/leave`, {
                  method: 'POST',
                  body: { sessionKey },
                }).catch(() => undefined);
              setHold({ kind: 'none' });
              setDeskId(id);
            }}
          >
            <option value="">Choose your desk…</option>
            {view.desks.map((d) => (
              <option key={d.id} value={d.id}>
                {d.name}
              </option>
            ))}
          </select>
        </label>
      </header>
      {hold.kind === 'asked' && (
        <div className="desk-hold" role="alertdialog" aria-label="Desk in use">
          <p>{hold.detail}</p>
          <button type="button" className="primary" onClick={() => void sit(true)}>
            Take over this desk
          </button>
        </div>
      )}
      {hold.kind === 'lost' && (
        <div className="desk-hold lost" role="alert">
          <p>
            This desk was taken over in another browser
            {view.session?.advisorName ? ` by ${view.session.advisorName}` : ''}. This tab no longer
            holds it.
          </p>
          <button type="button" onClick={() => void sit(true)}>
            Take it back
          </button>
        </div>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="floor">
        <section className="counter" aria-labelledby="counter-title">
          <h2 id="counter-title">At the desk</h2>
          {current ? (
            <CurrentVisit ticket={current} view={view} busy={busy || !held} act={act} />
          ) : (
            <p className="empty">Nobody at the desk.</p>
          )}
          <button
            type="button"
            className="primary call-next"
            disabled={!held || busy || current !== null}
            onClick={() => void act(`/api/shop-desk/desks/${deskId}/next`)}
          >
            Call next
          </button>
          {held && view.queue.length === 0 && !current && (
            <p className="empty">Nobody you serve is waiting.</p>
          )}
          <h3>Next for this desk</h3>
          <ol className="queue" aria-label="Next for this desk">
            {view.queue.map((q) => (
              <li key={`${q.kind}${q.id}`} className={`q-${q.reason}`}>
                <strong>{q.label}</strong> {q.serviceName}
                <span className="wait">
                  {q.kind === 'ticket' ? `waiting ${q.waitedMinutes} min` : ''}
                </span>
                <span className="reason">{reasonNames[q.reason]}</span>
              </li>
            ))}
          </ol>
        </section>
        <section className="waiting" aria-labelledby="waiting-title">
          <h2 id="waiting-title">Walk-in queue ({view.waiting.length})</h2>
          <table>
            <thead>
              <tr>
                <th>Ticket</th>
                <th>Service</th>
                <th>Waiting</th>
              </tr>
            </thead>
            <tbody>
              {view.waiting.map((t) => (
                <tr key={t.id}>
                  <td>
                    <strong>{t.code}</strong>
                    {t.deskId !== null &&
                      ` → ${view.desks.find((d) => d.id === t.deskId)?.name ?? 'a desk'}`}
                  </td>
                  <td>{t.serviceName}</td>
                  <td className="wait">{t.waitedMinutes} min</td>
                </tr>
              ))}
            </tbody>
          </table>
          {view.atDesks.length > 0 && (
            <>
              <h3>At the desks</h3>
              <ul className="at-desks">
                {view.atDesks.map((t) => (
                  <li key={t.id}>
                    <strong>{t.code}</strong> {view.desks.find((d) => d.id === t.deskId)?.name}:{' '}
                    {t.status}
                  </li>
                ))}
              </ul>
            </>
          )}
          <h2 id="appointments-title">Today’s appointments</h2>
          <ul className="appointments" aria-labelledby="appointments-title">
            {view.appointments.length === 0 && <li className="empty">None today.</li>}
            {view.appointments.map((a) => (
              <li key={a.id} className={`a-${a.status}`}>
                <time dateTime={a.startsAt}>{a.localTime}</time> <strong>{a.name}</strong>{' '}
                {a.serviceName} <span className="status">{a.status}</span>
                {a.status === 'booked' && (
                  <button
                    type="button"
                    onClick={() => void act(`/api/shop-desk/appointments/${a.id}/check-in`)}
                  >
                    Check in
                  </button>
                )}
                {(a.status === 'booked' || a.status === 'checked-in') &&
                  Date.parse(a.startsAt) <= Date.now() && (
                    <button
                      type="button"
                      onClick={() => void act(`/api/shop-desk/appointments/${a.id}/no-show`)}
                    >
                      No-show
                    </button>
                  )}
              </li>
            ))}
          </ul>
        </section>
      </div>
      {current?.status === 'serving' && <CounterStory ticketId={current.id} />}
    </>
  );
}

function CurrentVisit({
  ticket,
  view,
  busy,
  act,
}: {
  ticket: DeskTicket;
  view: ShopFloorView;
  busy: boolean;
  act: (path: string, body?: object) => Promise<void>;
}) {
  const [to, setTo] = useState('');
  const [who, setWho] = useState({ name: '', email: '', phone: '' });
  const base = `/api/shop-desk/tickets/${ticket.id}`;
  // A walk-in who left no contact can say who they are; their visit then joins their own story.
  const customer = Object.fromEntries(
    Object.entries(who).flatMap(([k, v]) => (v.trim() ? [[k, v.trim()]] : [])),
  );
  return (
    <div className={`visit v-${ticket.status}`} aria-label="Visitor at the desk">
      <p className="code">{ticket.code}</p>
      <p>
        {ticket.serviceName}
        {ticket.customerName ? ` · ${ticket.customerName}` : ''}
        {ticket.appointmentId !== null ? ' · appointment' : ''}
      </p>
      <p className="wait">
        {ticket.status === 'called' ? 'Called' : 'Serving'} · waited {ticket.waitedMinutes} min
        {ticket.recalls > 0 ? ` · recalled ${ticket.recalls}×` : ''}
      </p>
      {ticket.status === 'called' && ticket.customerId === null && (
        <fieldset className="who">
          <legend>Who is it? (optional)</legend>
          {(['name', 'email', 'phone'] as const).map((field) => (
            <label key={field}>
              {field === 'name' ? 'Name' : field === 'email' ? 'Email' : 'Phone'}{' '}
              <input
                type={field === 'email' ? 'email' : field === 'phone' ? 'tel' : 'text'}
                value={who[field]}
                onChange={(e) => setWho({ ...who, [field]: e.target.value })}
              />
            </label>
          ))}
        </fieldset>
      )}
      <div className="actions">
        {ticket.status === 'called' && (
          <>
            <button
              type="button"
              className="primary"
              disabled={busy}
              onClick={() =>
                void act(`${base}/serve`, Object.keys(customer).length > 0 ? { customer } : {})
              }
            >
              Serve
            </button>
            <button type="button" disabled={busy} onClick={() => void act(`${base}/recall`)}>
              Recall
            </button>
            <button type="button" disabled={busy} onClick={() => void act(`${base}/no-show`)}>
              No-show
            </button>
          </>
        )}
        {ticket.status === 'serving' && (
          <button
            type="button"
            className="primary"
            disabled={busy}
            onClick={() => void act(`${base}/finish`)}
          >
            Finish
          </button>
        )}
        {ticket.status === 'serving' && ticket.customerId !== null && (
          <a
            className="open-repair"
            href={href(`/repairs/new?customer=${ticket.customerId}&ticket=${ticket.id}`)}
            onClick={(e) =>
              followLink(e, `/repairs/new?customer=${ticket.customerId}&ticket=${ticket.id}`)
            }
          >
            Open a repair
          </a>
        )}
        <span className="transfer">
          <select aria-label="Transfer to" value={to} onChange={(e) => setTo(e.target.value)}>
            <option value="">Transfer to…</option>
            {view.services
              .filter((s) => s.id !== ticket.serviceId)
              .map((s) => (
                <option key={`s${s.id}`} value={`s${s.id}`}>
                  {s.name}
                </option>
              ))}
            {view.desks
              .filter((d) => d.id !== ticket.deskId)
              .map((d) => (
                <option key={`d${d.id}`} value={`d${d.id}`}>
                  {d.name}
                </option>
              ))}
          </select>
          <button
            type="button"
            disabled={busy || !to}
            onClick={() =>
              void act(
                `${base}/transfer`,
                to.startsWith('s')
                  ? { serviceId: Number(to.slice(1)) }
                  : { deskId: Number(to.slice(1)) },
              ).then(() => setTo(''))
            }
          >
            Transfer
          </button>
        </span>
      </div>
    </div>
  );
}

/** The served customer's story and their open cases, each settled from the counter. */
function CounterStory({ ticketId }: { ticketId: number }) {
  const [data, setData] = useState<CounterCustomer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [openCase, setOpenCase] = useState<number | null>(null);
  const load = useCallback(
    () =>
      api<CounterCustomer>(`/api/shop-desk/tickets/${ticketId}/customer`).then(
        (d) => {
          setData(d);
          setError(null);
        },
        (e: unknown) => setError(messageOf(e)),
      ),
    [ticketId],
  );
  useEffect(() => void load(), [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('interaction.') || event.type.startsWith('conversation.'),
    () => void load(),
  );
  if (!data) return <p className="empty">{error ?? 'Loading the customer…'}</p>;
  return (
    <div className="counter-story">
      <section className="open-cases" aria-labelledby="open-cases-title">
        <h2 id="open-cases-title">
          {data.name}: open cases ({data.openCases.length})
        </h2>
        {data.openCases.length === 0 && <p className="empty">No open case.</p>}
        <ul>
          {data.openCases.map((c) => (
            <li key={c.id} className="open-case">
              <button
                type="button"
                className="link"
                aria-expanded={openCase === c.id}
                onClick={() => setOpenCase(openCase === c.id ? null : c.id)}
              >
                #{c.id} {c.subject}
              </button>{' '}
              <span className="status">{statusNames[c.status] ?? c.status}</span>{' '}
              <span className={`channel ch-${c.originChannel}`}>{c.originChannel}</span>
              {openCase === c.id && (
                <SettleCase
                  ticketId={ticketId}
                  conversationId={c.id}
                  items={data.timeline.filter((i) => i.conversationId === c.id)}
                  onDone={() => void load()}
                />
              )}
            </li>
          ))}
        </ul>
      </section>
      <Timeline
        items={data.timeline}
        customer={data.customer}
        currentConversationId={null}
        hasOlder={false}
        onOlder={() => undefined}
      />
    </div>
  );
}

function SettleCase({
  ticketId,
  conversationId,
  items,
  onDone,
}: {
  ticketId: number;
  conversationId: number;
  items: CounterCustomer['timeline'];
  onDone: () => void;
}) {
  const last = [...items]
    .reverse()
    .find((i) => i.direction === 'inbound' && i.kind !== 'shop_visit');
  const [kind, setKind] = useState<string>(last?.kind === 'sms' ? 'sms' : 'note');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const settle = async (resolve: boolean) => {
    setBusy(true);
    setError(null);
    try {
      await api(`/api/shop-desk/tickets/${ticketId}/settle`, {
        method: 'POST',
        body: {
          conversationId,
          resolve,
          ...(text.trim() ? { reply: { kind, text: text.trim() } } : {}),
        },
      });
      setText('');
      onDone();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="settle"
      aria-label={`Settle case ${conversationId}`}
      onSubmit={(e) => {
        e.preventDefault();
        void settle(false);
      }}
    >
      <ol className="case-items">
        {items
          .slice()
          .reverse()
          .map((i) => (
            <li key={i.id} className={i.direction}>
              <span className="kind">{kindNames[i.kind] ?? i.kind}</span> {i.text}
            </li>
          ))}
      </ol>
      <label>
        As{' '}
        <select value={kind} onChange={(e) => setKind(e.target.value)}>
          <option value="note">Internal note</option>
          <option value="email">Email</option>
          <option value="sms">SMS</option>
        </select>
      </label>
      <textarea
        aria-label="Reply or note"
        value={text}
        onChange={(e) => setText(e.target.value)}
        rows={2}
      />
      <button type="submit" disabled={busy || !text.trim()}>
        Send
      </button>
      <button type="button" className="primary" disabled={busy} onClick={() => void settle(true)}>
        {text.trim() ? 'Send and resolve' : 'Resolve'}
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </form>
  );
}
