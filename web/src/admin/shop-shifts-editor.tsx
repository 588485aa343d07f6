import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { useSession } from '../app.tsx';
import type { Shop } from '../types.ts';
import type { ShopShift } from '../../../src/api-types/shop-floor.ts';
import { weekdays } from './shop-hours-editor.tsx';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';

const addLabels = {
  advisorId: 'The advisor',
  weekday: 'The weekday',
  date: 'The date',
  starts: 'The start',
  ends: 'The end',
  deskId: 'The desk',
};

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
  const [errors, setErrors] = useState<FieldErrors>({});
  const form = `shop-${shop.id}-shift`;
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
      setErrors({});
      onSaved(`${shop.name}: ${shift.advisorName} works ${whenOf(shift)}.`);
      load();
    } catch (e) {
      const { fields, other } = fieldErrorsOf(e, placeByName(addLabels));
      setErrors(fields);
      onSaved(`${shop.name}: ${other}`);
    }
  };
  const move = async (shift: ShopShift, starts: string, ends: string) => {
    try {
      const moved = await api<ShopShift>(`/api/shop-shifts/${shift.id}`, {
        method: 'PATCH',
        body: { starts, ends },
      });
      onSaved(`${shop.name}: ${moved.advisorName}'s shift moved to ${whenOf(moved)}.`);
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
              <th scope="col">Move to</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shifts.map((s) => (
              <ShiftRow
                key={`${s.id}-${s.starts}-${s.ends}`}
                shift={s}
                desk={deskName(s.deskId)}
                onMove={(starts, ends) => void move(s, starts, ends)}
                onRemove={() => void remove(s)}
              />
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
          <select
            aria-label="Advisor"
            name="advisorId"
            required
            defaultValue=""
            {...invalidProps(errors, form, 'advisorId')}
          >
            <option value="" disabled>
              Choose someone
            </option>
            {people.map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} form={form} field="advisorId" />
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
            <FieldError errors={errors} form={form} field="weekday" />
          </label>
        ) : (
          <label>
            Shift date
            <input type="date" name="date" required {...invalidProps(errors, form, 'date')} />
            <FieldError errors={errors} form={form} field="date" />
          </label>
        )}
        <label>
          Starts
          <input
            type="time"
            name="starts"
            step={300}
            required
            defaultValue="09:00"
            {...invalidProps(errors, form, 'starts')}
          />
          <FieldError errors={errors} form={form} field="starts" />
        </label>
        <label>
          Ends
          <input
            type="time"
            name="ends"
            step={300}
            required
            defaultValue="17:00"
            {...invalidProps(errors, form, 'ends')}
          />
          <FieldError errors={errors} form={form} field="ends" />
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
          <FieldError errors={errors} form={form} field="deskId" />
        </label>
        <button type="submit">Add shift</button>
      </form>
    </fieldset>
  );
}

/** One shift on the rota, its times movable in place. */
function ShiftRow({
  shift,
  desk,
  onMove,
  onRemove,
}: {
  shift: ShopShift;
  desk: string;
  onMove: (starts: string, ends: string) => void;
  onRemove: () => void;
}) {
  const [starts, setStarts] = useState(shift.starts);
  const [ends, setEnds] = useState(shift.ends);
  const of = `of ${shift.advisorName}'s shift ${whenOf(shift)}`;
  return (
    <tr data-shift={shift.id}>
      <th scope="row">{shift.advisorName}</th>
      <td>{whenOf(shift)}</td>
      <td>{desk}</td>
      <td>
        <span className="period">
          <input
            type="time"
            step={300}
            aria-label={`Start ${of}`}
            value={starts}
            onChange={(e) => setStarts(e.target.value)}
          />
          –
          <input
            type="time"
            step={300}
            aria-label={`End ${of}`}
            value={ends}
            onChange={(e) => setEnds(e.target.value)}
          />
          <button
            type="button"
            aria-label={`Move ${shift.advisorName}'s shift ${whenOf(shift)}`}
            onClick={() => onMove(starts, ends)}
          >
            Move
          </button>
        </span>
      </td>
      <td>
        <button
          type="button"
          aria-label={`Remove ${shift.advisorName}'s shift ${whenOf(shift)}`}
          onClick={onRemove}
        >
          Remove
        </button>
      </td>
    </tr>
  );
}

/** "Monday 09:00–17:00" or "2026-12-24 10:00–16:00". */
function whenOf(s: ShopShift): string {
  return `${s.date ?? weekdays[(s.weekday ?? 1) - 1]} ${s.starts}–${s.ends}`;
}
