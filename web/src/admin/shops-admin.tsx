import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import type { Shop } from '../types.ts';
import type { ShopService } from '../../../src/api-types/shop-floor.ts';
import { TimeZoneSelect } from './shop-time-zones.tsx';
import { ShopDetails } from './shop-details.tsx';
import { ShopHoursEditor, weekText } from './shop-hours-editor.tsx';
import { ShopExceptionsEditor } from './shop-exceptions-editor.tsx';
import { ShopDesksEditor } from './shop-desks-editor.tsx';
import { ShopOfferedEditor, ShopServicesAdmin } from './shop-services-admin.tsx';
import { ShopShiftsEditor } from './shop-shifts-editor.tsx';

const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Shops: where each is, its zone (from the IANA list), weekly hours with several openings a day,
 * holidays and special days, desks, the services it offers and who works when; the service
 * catalogue they share. Times are the shop's own wall clock; "open now" is judged in its zone.
 */
export function ShopsAdmin() {
  const { directory } = useSession();
  const [shops, setShops] = useState<Shop[] | null>(null);
  const [services, setServices] = useState<ShopService[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const load = useCallback(() => {
    api<{ items: Shop[] }>('/api/shops').then(
      (r) => setShops(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
    api<{ items: ShopService[] }>('/api/shop-services').then(
      (r) => setServices(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(load, [load]);
  const saved = useCallback(
    (m: string) => {
      setMessage(m);
      load();
    },
    [load],
  );

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const teamId = String(form.get('teamId'));
    const latitude = String(form.get('latitude'));
    const longitude = String(form.get('longitude'));
    try {
      const shop = await api<Shop>('/api/shops', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          name: String(form.get('name')),
          city: String(form.get('city')),
          address: String(form.get('address')),
          postcode: String(form.get('postcode')),
          timeZone: String(form.get('timeZone')),
          teamId: teamId ? Number(teamId) : null,
          ...(latitude && longitude
            ? { latitude: Number(latitude), longitude: Number(longitude) }
            : {}),
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

  const current = editing === null ? undefined : shops?.find((s) => s.id === editing);
  return (
    <section aria-labelledby="shops-title">
      <h2 id="shops-title">Shops and business hours</h2>
      <p>Hours are the shop’s own wall-clock times; “open now” is judged in its time zone.</p>
      <p role="status">{message}</p>
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
              <th scope="col">Floor</th>
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
                  <small>
                    {s.address}
                    {s.postcode ? `, ${s.postcode}` : ''} {s.city}
                  </small>
                </th>
                <td>{s.timeZone}</td>
                <td>{s.localTime}</td>
                <td data-testid={`open-${s.id}`} className={s.openNow ? 'open' : 'closed'}>
                  {s.openNow ? 'Open' : 'Closed'}
                </td>
                <td>
                  {weekText(s.hours)}
                  {s.exceptions.length > 0 && (
                    <>
                      <br />
                      <small>
                        Next exception: {s.exceptions[0]!.date} ({s.exceptions[0]!.reason})
                      </small>
                    </>
                  )}
                </td>
                <td>
                  {count(s.desks.filter((d) => d.active).length, 'desk')} ·{' '}
                  {count(s.serviceIds.length, 'service')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current && (
        <section
          className="admin-form shop-editor"
          aria-labelledby="shop-editor-title"
          key={current.id}
        >
          <h3 id="shop-editor-title">Edit {current.name}</h3>
          <ShopDetails shop={current} onSaved={saved} />
          <ShopHoursEditor shop={current} onSaved={saved} />
          <ShopExceptionsEditor shop={current} onSaved={saved} />
          <ShopDesksEditor shop={current} onSaved={saved} />
          <ShopOfferedEditor shop={current} services={services} onSaved={saved} />
          <ShopShiftsEditor shop={current} onSaved={saved} />
        </section>
      )}
      <form className="admin-form" onSubmit={(e) => void add(e)} aria-labelledby="add-shop-title">
        <h3 id="add-shop-title">Open a shop</h3>
        <label>
          Shop name
          <input name="name" required maxLength={120} />
        </label>
        <label>
          Address
          <input name="address" required maxLength={300} />
        </label>
        <label>
          Postcode
          <input name="postcode" maxLength={20} />
        </label>
        <label>
          City
          <input name="city" required maxLength={120} />
        </label>
        <label>
          Latitude
          <input name="latitude" type="number" step="any" min={-90} max={90} />
        </label>
        <label>
          Longitude
          <input name="longitude" type="number" step="any" min={-180} max={180} />
        </label>
        <TimeZoneSelect label="Time zone" name="timeZone" defaultValue="" />
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
      <ShopServicesAdmin services={services} onSaved={saved} />
    </section>
  );
}
