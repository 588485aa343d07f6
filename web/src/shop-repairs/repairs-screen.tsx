import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { DateTime } from 'luxon';
import { api, messageOf, newKey, query } from '../api.ts';
import { useSession } from '../app.tsx';
import { useLiveRefresh } from '../live.ts';
import { followLink, href, navigate, useLocation } from '../router.ts';
import type { Shop } from '../types.ts';
import type { Repair, RepairStatus, RepairSummary } from '../../../src/api-types/repairs.ts';
import { RepairPage } from './repair-page.tsx';
import { statusNames, uploadPhoto } from './repairs-api.ts';
import './repairs.css';

const roles = ['shop_advisor', 'supervisor', 'admin'];

/** The desk's repairs: `/repairs` (the shop's list), `/repairs/new` (intake), `/repairs/<id>`. */
export function RepairsScreen({ path }: { path: string }) {
  const { me } = useSession();
  if (!roles.includes(me.role))
    return (
      <section className="refused" aria-labelledby="refused-title">
        <h1 id="refused-title">Not for your role</h1>
        <p>Repairs are for shop advisors, supervisors and administrators.</p>
      </section>
    );
  const id = /^\/repairs\/(\d+)$/.exec(path);
  if (id) return <RepairPage repairId={Number(id[1])} />;
  if (path === '/repairs/new') return <IntakeForm />;
  return <RepairList />;
}

/** The shop whose repairs are shown: a shop advisor's own, or the one a lead picked. */
function useShopChoice(): [number | null, (id: number) => void, Shop[]] {
  const { me } = useSession();
  const [shops, setShops] = useState<Shop[]>([]);
  const [chosen, setChosen] = useState<number | null>(
    me.shopId ?? (Number(sessionStorage.getItem('repairs.shop')) || null),
  );
  useEffect(() => {
    void api<{ items: Shop[] }>('/api/shops').then((r) => {
      setShops(r.items);
      setChosen((c) => c ?? r.items[0]?.id ?? null);
    });
  }, []);
  const choose = (id: number) => {
    sessionStorage.setItem('repairs.shop', String(id));
    setChosen(id);
  };
  return [chosen, choose, shops];
}

const listOrder: RepairStatus[] = [
  'draft',
  'received',
  'diagnosing',
  'waiting-for-parts',
  'repaired',
  'ready-for-pickup',
  'collected',
];

function RepairList() {
  const { me } = useSession();
  const [shopId, choose, shops] = useShopChoice();
  const [items, setItems] = useState<RepairSummary[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const load = useCallback(() => {
    if (shopId === null) return;
    api<{ items: RepairSummary[] }>(`/api/repairs${query({ shopId })}`).then(
      (r) => setItems(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, [shopId]);
  useEffect(load, [load]);
  useLiveRefresh((event) => event.type.startsWith('shop.repair-'), load);

  return (
    <section className="repairs" aria-labelledby="repairs-title">
      <header className="repairs-head">
        <h1 id="repairs-title">Repairs</h1>
        {me.shopId === null && (
          <label>
            Shop
            <select value={shopId ?? ''} onChange={(e) => choose(Number(e.target.value))}>
              {shops.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <a
          className="button primary"
          href={href('/repairs/new')}
          onClick={(e) => followLink(e, '/repairs/new')}
        >
          New repair
        </a>
      </header>
      <p role="status" className="notice">
        {message}
      </p>
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p className="empty">No repairs at this shop yet.</p>
      ) : (
        <div className="repair-columns">
          {listOrder.map((status) => {
            const inStatus = items.filter((r) => r.status === status);
            if (inStatus.length === 0) return null;
            return (
              <section key={status} aria-labelledby={`col-${status}`} className="repair-column">
                <h2 id={`col-${status}`}>
                  {statusNames[status]} <small>({inStatus.length})</small>
                </h2>
                <ul>
                  {inStatus.map((r) => (
                    <li key={r.id} data-repair={r.id}>
                      <a
                        href={href(`/repairs/${r.id}`)}
                        onClick={(e) => followLink(e, `/repairs/${r.id}`)}
                      >
                        <strong>{r.device}</strong> · {r.customerName}
                      </a>
                      <small>
                        {r.dueLocal ? `due ${r.dueLocal}` : 'no due time'}
                        {r.estimateState !== 'none' ? ` · estimate ${r.estimateState}` : ''}
                      </small>
                    </li>
                  ))}
                </ul>
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}

/**
 * The intake at the counter: who, what device, what is wrong, what was left with it, photos. The
 * shop desk opens it as `/repairs/new?customer=<id>&ticket=<id>` for the visitor it is serving.
 */
function IntakeForm() {
  const { me } = useSession();
  const { params } = useLocation();
  const givenCustomer = params.get('customer') ?? '';
  const ticketId = Number(params.get('ticket')) || null;
  const [shopId, choose, shops] = useShopChoice();
  const [lookup, setLookup] = useState<'contact' | 'id'>(givenCustomer ? 'id' : 'contact');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const due = text('due');
    const photos = (form.getAll('photos') as File[]).filter((f) => f.size > 0);
    // The time typed is the shop's wall clock, wherever this browser is.
    const zone = shops.find((s) => s.id === shopId)?.timeZone;
    const dueAt = due
      ? DateTime.fromISO(due, zone ? { zone } : {})
          .toUTC()
          .toISO()
      : null;
    setBusy(true);
    setMessage(null);
    try {
      const repair = await api<Repair>('/api/repairs', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          ...(shopId !== null ? { shopId } : {}),
          customer:
            lookup === 'id'
              ? { id: Number(text('customerId')) }
              : {
                  ...(text('name') ? { name: text('name') } : {}),
                  ...(text('phone') ? { phone: text('phone') } : {}),
                  ...(text('email') ? { email: text('email') } : {}),
                },
          device: text('device'),
          serialNumber: text('serial'),
          fault: text('fault'),
          condition: text('condition'),
          accessories: text('accessories')
            .split(',')
            .map((a) => a.trim())
            .filter(Boolean),
          ...(dueAt ? { dueAt } : {}),
          ...(ticketId ? { ticketId } : {}),
          ...(text('notify') ? { notifyChannel: text('notify') } : {}),
        },
      });
      const failed: string[] = [];
      for (const photo of photos)
        await uploadPhoto(repair.id, photo).catch((e: unknown) => failed.push(messageOf(e)));
      if (failed.length > 0) sessionStorage.setItem('repairs.notice', failed.join('; '));
      navigate(`/repairs/${repair.id}`);
    } catch (e) {
      setMessage(messageOf(e));
      setBusy(false);
    }
  };

  return (
    <section className="repairs intake" aria-labelledby="intake-title">
      <h1 id="intake-title">New repair</h1>
      <p>
        Saved as a draft: the customer hears nothing until you confirm the intake on the next page.
      </p>
      <form onSubmit={(e) => void submit(e)} className="intake-form">
        {me.shopId === null && (
          <label>
            Shop
            <select value={shopId ?? ''} onChange={(e) => choose(Number(e.target.value))}>
              {shops.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <fieldset>
          <legend>Customer</legend>
          <div className="row" role="radiogroup" aria-label="Find the customer by">
            <label className="inline">
              <input
                type="radio"
                name="lookup"
                checked={lookup === 'contact'}
                onChange={() => setLookup('contact')}
              />
              Phone or email
            </label>
            <label className="inline">
              <input
                type="radio"
                name="lookup"
                checked={lookup === 'id'}
                onChange={() => setLookup('id')}
              />
              Customer number
            </label>
          </div>
          {lookup === 'id' ? (
            <label>
              Customer number
              <input
                name="customerId"
                inputMode="numeric"
                pattern="[0-9]+"
                required
                defaultValue={givenCustomer}
              />
            </label>
          ) : (
            <div className="row">
              <label>
                Name
                <input name="name" autoComplete="off" />
              </label>
              <label>
                Phone
                <input name="phone" type="tel" autoComplete="off" />
              </label>
              <label>
                Email
                <input name="email" type="email" autoComplete="off" />
              </label>
            </div>
          )}
          <label>
            Tell them by
            <select name="notify" defaultValue="">
              <option value="">the channel they last used</option>
              <option value="sms">SMS</option>
              <option value="email">Email</option>
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Device</legend>
          <div className="row">
            <label>
              Device
              <input name="device" required maxLength={200} placeholder="Pixel 7, iPad Air 5…" />
            </label>
            <label>
              Serial number
              <input name="serial" maxLength={100} />
            </label>
          </div>
          <label>
            Fault
            <textarea name="fault" required maxLength={2000} rows={3} />
          </label>
          <label>
            Condition
            <textarea name="condition" maxLength={1000} rows={2} placeholder="Scratches, dents…" />
          </label>
          <label>
            Accessories left with it
            <input name="accessories" placeholder="charger, case (comma-separated)" />
          </label>
          <label>
            Photos
            <input
              name="photos"
              type="file"
              accept="image/png,image/jpeg,image/gif,image/webp"
              multiple
            />
          </label>
          <label>
            Ready by (shop time)
            <input name="due" type="datetime-local" />
          </label>
        </fieldset>
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <div className="row">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save draft'}
          </button>
          <a href={href('/repairs')} onClick={(e) => followLink(e, '/repairs')}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
