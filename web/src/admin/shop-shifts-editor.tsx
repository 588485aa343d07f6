import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { useSession } from '../app.tsx';
import type { Shop } from '../types.ts';
import type { ShopShift } from '../../../src/api-types/shop-floor.ts';
import { weekdays } from './shop-hours-editor.tsx';

/**
 * Who works at the shop and when: weekly shifts and one-off dated ones, at a desk or not. Only the
 * shop's own people, or people of its team without a shop (a supervisor covering), go on its rota.
 */
export function ShopShiftsEditor({
  shop,
  onSaved,
}: {
  shop: Shop;
  onSaved: (message: string) => void;
}) {
  const { directory } = useSession();
  const [shifts, setShifts] = useState<ShopShift[] | null>(null);
  const [weekly, setWeekly] = useState(true);
  const load = useCallback(() => {
    api<{ items: ShopShift[] }>(`/api/shops/${shop.id}/shifts`).then(
      (r) => setShifts(r.items),
      (e: unknown) => onSaved(messageOf(e)),
    );
  }, [shop.id, onSaved]);
  useEffect(load, [load]);
  const people = directory.advisors.filter(
    (a) =>
      a.active &&
      a.role !== 'integration' &&
      (a.shopId === shop.id ||
        (a.shopId === null && shop.teamId !== null && a.teamId === shop.teamId)),
  );
  const deskName = (id: number | null) =>
    id === null ? '—' : (shop.desks.find((d) => d.id === id)?.name ?? `desk #${id}`);

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const deskId = String(form.get('deskId'));
    try {
      const shift = await api<ShopShift>(`/api/shops/${shop.id}/shifts`, {
        method: 'POST',
        body: {
          advisorId: Number(form.get('advisorId')),
          ...(weekly
            ? { weekday: Number(form.get('weekday')) }
            : { date: String(form.get('date')) }),
          starts: String(form.get('starts')),
          ends: String(form.get('ends')),
          deskId: deskId ? Number(deskId) : null,
        },
      });
      onSaved(`${shop.name}: ${shift.advisorName} works ${whenOf(shift)}.`);
      load();
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  const remove = async (shift: ShopShift) => {
    try {
      await api(`/api/shop-shifts/${shift.id}`, { method: 'DELETE' });
      onSaved(`${shop.name}: ${shift.advisorName}'s shift ${whenOf(shift)} removed.`);
      load();
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };

  return (
    <fieldset className="shop-part">
      <legend>Shifts, local time in {shop.timeZone}</legend>
      {shifts === null ? (
        <p>Loading shifts…</p>
      ) : shifts.length === 0 ? (
        <p className="muted">Nobody is on the rota yet.</p>
      ) : (
        <table className="admin-table shifts">
          <thead>
            <tr>
              <th scope="col">Advisor</th>
              <th scope="col">When</th>
              <th scope="col">Desk</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shifts.map((s) => (
              <tr key={s.id} data-shift={s.id}>
                <th scope="row">{s.advisorName}</th>
                <td>{whenOf(s)}</td>
                <td>{deskName(s.deskId)}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove ${s.advisorName}'s shift ${whenOf(s)}`}
                    onClick={() => void remove(s)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row"
        onSubmit={(e) => void add(e)}
        aria-label={`Add a shift at ${shop.name}`}
      >
        <label>
          Advisor
          <select aria-label="Advisor" name="advisorId" required defaultValue="">
            <option value="" disabled>
              Choose someone
            </option>
            {people.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline">
          <input type="radio" name="repeat" checked={weekly} onChange={() => setWeekly(true)} />
          Every week
        </label>
        <label className="inline">
          <input type="radio" name="repeat" checked={!weekly} onChange={() => setWeekly(false)} />
          Once
        </label>
        {weekly ? (
          <label>
            Weekday
            <select aria-label="Weekday" name="weekday" defaultValue="1">
              {weekdays.map((d, i) => (
                <option key={d} value={i + 1}>
                  {d}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <label>
            Shift date
            <input type="date" name="date" required />
          </label>
        )}
        <label>
          Starts
          <input type="time" name="starts" step={300} required defaultValue="09:00" />
        </label>
        <label>
          Ends
          <input type="time" name="ends" step={300} required defaultValue="17:00" />
        </label>
        <label>
          At desk
          <select aria-label="At desk" name="deskId" defaultValue="">
            <option value="">No fixed desk</option>
            {shop.desks
              .filter((d) => d.active)
              .map((d) => (
                <option key={d.id} value={d.id}>
                  {d.name}
                </option>
              ))}
          </select>
        </label>
        <button type="submit">Add shift</button>
      </form>
    </fieldset>
  );
}

/** "Monday 09:00–17:00" or "2026-12-24 10:00–16:00". */
function whenOf(s: ShopShift): string {
  return `${s.date ?? weekdays[(s.weekday ?? 1) - 1]} ${s.starts}–${s.ends}`;
}
