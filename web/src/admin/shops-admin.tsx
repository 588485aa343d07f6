import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import type { DayHours, Shop } from '../types.ts';

const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const zones: readonly string[] =
  typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];

/** Shops: their time zone and weekly hours, in the shop's local time, and whether each is open now. */
export function ShopsAdmin() {
  const { directory } = useSession();
  const [shops, setShops] = useState<Shop[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const load = useCallback(() => {
    api<{ items: Shop[] }>('/api/shops').then(
      (r) => setShops(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(load, [load]);

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const teamId = String(form.get('teamId'));
    try {
      const shop = await api<Shop>('/api/shops', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          name: String(form.get('name')),
          city: String(form.get('city')),
          address: String(form.get('address')),
          timeZone: String(form.get('timeZone')),
          teamId: teamId ? Number(teamId) : null,
        },
      });
      setMessage(`Shop “${shop.name}” opened in ${shop.timeZone}. Now set its hours.`);
      formElement.reset();
      setEditing(shop.id);
      load();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="shops-title">
      <h2 id="shops-title">Shops and business hours</h2>
      <p>Hours are the shop’s own wall-clock times; “open now” is judged in its time zone.</p>
      <p role="status">{message}</p>
      <datalist id="time-zones">
        {zones.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
      {shops === null ? (
        <p>Loading…</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Shop</th>
              <th scope="col">Time zone</th>
              <th scope="col">Local time</th>
              <th scope="col">Now</th>
              <th scope="col">Hours</th>
            </tr>
          </thead>
          <tbody>
            {shops.map((s) => (
              <tr key={s.id} data-shop={s.id}>
                <th scope="row">
                  <button
                    type="button"
                    aria-expanded={editing === s.id}
                    onClick={() => setEditing(editing === s.id ? null : s.id)}
                  >
                    {s.name}
                  </button>
                  <br />
                  <small>{s.city}</small>
                </th>
                <td>{s.timeZone}</td>
                <td>{s.localTime}</td>
                <td data-testid={`open-${s.id}`} className={s.openNow ? 'open' : 'closed'}>
                  {s.openNow ? 'Open' : 'Closed'}
                </td>
                <td>
                  {s.hours.length === 0
                    ? 'no hours set'
                    : s.hours
                        .map(
                          (h) => `${weekdays[h.weekday - 1]!.slice(0, 3)} ${h.opens}–${h.closes}`,
                        )
                        .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing !== null && shops?.find((s) => s.id === editing) && (
        <ShopEditor
          key={editing}
          shop={shops.find((s) => s.id === editing)!}
          onSaved={(m) => {
            setMessage(m);
            load();
          }}
        />
      )}
      <form className="admin-form" onSubmit={(e) => void add(e)} aria-labelledby="add-shop-title">
        <h3 id="add-shop-title">Open a shop</h3>
        <label>
          Shop name
          <input name="name" required maxLength={120} />
        </label>
        <label>
          City
          <input name="city" required maxLength={120} />
        </label>
        <label>
          Address
          <input name="address" required maxLength={300} />
        </label>
        <label>
          Time zone
          <input name="timeZone" required list="time-zones" placeholder="Europe/Paris" />
        </label>
        <label>
          Team
          <select name="teamId" defaultValue="">
            <option value="">No team</option>
            {directory.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary">
          Open shop
        </button>
      </form>
    </section>
  );
}

interface DayDraft {
  open: boolean;
  opens: string;
  closes: string;
}

function ShopEditor({ shop, onSaved }: { shop: Shop; onSaved: (message: string) => void }) {
  const [timeZone, setTimeZone] = useState(shop.timeZone);
  const [name, setName] = useState(shop.name);
  const [days, setDays] = useState<DayDraft[]>(() =>
    weekdays.map((_, i) => {
      const day = shop.hours.find((h) => h.weekday === i + 1);
      return day
        ? { open: true, opens: day.opens, closes: day.closes }
        : { open: false, opens: '09:00', closes: '18:00' };
    }),
  );
  const setDay = (i: number, change: Partial<DayDraft>) =>
    setDays((all) => all.map((d, j) => (j === i ? { ...d, ...change } : d)));

  const saveShop = async () => {
    try {
      await api(`/api/shops/${shop.id}`, { method: 'PATCH', body: { name, timeZone } });
      onSaved(`${name.trim()}: shop saved.`);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  const saveHours = async () => {
    const hours: DayHours[] = days.flatMap((d, i) =>
      d.open ? [{ weekday: (i + 1) as DayHours['weekday'], opens: d.opens, closes: d.closes }] : [],
    );
    try {
      await api(`/api/shops/${shop.id}/hours`, { method: 'PUT', body: { hours } });
      onSaved(`${shop.name}: hours saved.`);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };

  return (
    <section className="admin-form shop-editor" aria-labelledby="shop-editor-title">
      <h3 id="shop-editor-title">Edit {shop.name}</h3>
      <div className="row">
        <label>
          Name of {shop.name}
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Time zone of {shop.name}
          <input value={timeZone} list="time-zones" onChange={(e) => setTimeZone(e.target.value)} />
        </label>
        <button type="button" onClick={() => void saveShop()}>
          Save shop
        </button>
      </div>
      <table className="admin-table hours">
        <caption>Weekly hours, local time in {shop.timeZone}</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            <th scope="col">Open</th>
            <th scope="col">Opens</th>
            <th scope="col">Closes</th>
          </tr>
        </thead>
        <tbody>
          {weekdays.map((day, i) => (
            <tr key={day}>
              <th scope="row">{day}</th>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Open on ${day}`}
                  checked={days[i]!.open}
                  onChange={(e) => setDay(i, { open: e.target.checked })}
                />
              </td>
              <td>
                <input
                  type="time"
                  aria-label={`${day} opens`}
                  value={days[i]!.opens}
                  disabled={!days[i]!.open}
                  onChange={(e) => setDay(i, { opens: e.target.value })}
                />
              </td>
              <td>
                <input
                  type="time"
                  aria-label={`${day} closes`}
                  value={days[i]!.closes}
                  disabled={!days[i]!.open}
                  onChange={(e) => setDay(i, { closes: e.target.value })}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" className="primary" onClick={() => void saveHours()}>
        Save hours
      </button>
    </section>
  );
}
