import { useState } from 'react';
import { api } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  type FieldErrors,
  type FieldPlace,
  type PathPart,
} from './field-errors.tsx';
import type { DayHours, Shop } from '../types.ts';

export const weekdays = [
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
  'Sunday',
];

export interface Period {
  opens: string;
  closes: string;
}

const hhmm = (m: number) =>
  `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** A next opening to edit: an hour after the last one closes, for three hours (within the day). */
function nextPeriod(last: Period): Period {
  const [h, m] = last.closes.split(':').map(Number);
  const start = Math.min(23 * 60, (h ?? 0) * 60 + (m ?? 0) + 60);
  return { opens: hhmm(start), closes: hhmm(Math.min(24 * 60, start + 180)) };
}

/** "Mon 10:00–13:00 & 14:00–19:00, Tue …": a week in a line. */
export function weekText(hours: readonly DayHours[]): string {
  if (hours.length === 0) return 'no hours set';
  return weekdays
    .map((day, i) => {
      const periods = hours.filter((h) => h.weekday === i + 1);
      return periods.length
        ? `${day.slice(0, 3)} ${periods.map((p) => `${p.opens}–${p.closes}`).join(' & ')}`
        : null;
    })
    .filter((d) => d !== null)
    .join(', ');
}

/** A week as the editor holds it: per weekday (Monday first), its openings. */
export type WeekPeriods = Period[][];

/** The editor's week from stored hours. */
export function periodsOf(hours: readonly DayHours[]): WeekPeriods {
  return weekdays.map((_, i) =>
    hours.filter((h) => h.weekday === i + 1).map((h) => ({ opens: h.opens, closes: h.closes })),
  );
}

/** The stored hours of the editor's week, in the order the editor sends them. */
export function hoursOf(days: WeekPeriods): DayHours[] {
  return days.flatMap((periods, i) =>
    periods.map((p) => ({ weekday: (i + 1) as DayHours['weekday'], ...p })),
  );
}

/**
 * Where a refusal of `hours[n]…` goes: the weekday and opening the n-th sent row came from, in
 * words ("Monday's closing time", "Tuesday's opening time (opening 2)").
 */
export function placeHoursError(days: WeekPeriods, list = 'hours') {
  const rows = days.flatMap((periods, day) => periods.map((_, n) => ({ day, n })));
  return (path: PathPart[]): FieldPlace | undefined => {
    if (path[0] !== list || typeof path[1] !== 'number') return undefined;
    const row = rows[path[1]];
    if (!row) return undefined;
    const day = weekdays[row.day]!;
    const which = row.n === 0 ? '' : ` (opening ${row.n + 1})`;
    const part = path[2];
    if (part === 'opens' || part === 'closes')
      return {
        key: `${row.day}.${row.n}.${part}`,
        label: `${day}'s ${part === 'opens' ? 'opening' : 'closing'} time${which}`,
      };
    return { key: `${row.day}.${row.n}.opens`, label: `${day}${which}` };
  };
}

/** A week's openings to edit: each weekday closed or open with one or more openings (a lunch break between). */
export function WeekHoursTable({
  days,
  onChange,
  errors,
  form,
  step = 300,
}: {
  days: WeekPeriods;
  onChange: (days: WeekPeriods) => void;
  errors: FieldErrors;
  /** Names the form, so error lines get ids of their own. */
  form: string;
  /** Seconds between allowed times (shops: five minutes). */
  step?: number;
}) {
  const setDay = (i: number, periods: Period[]) =>
    onChange(days.map((d, j) => (j === i ? periods : d)));
  const setPeriod = (i: number, n: number, change: Partial<Period>) =>
    setDay(
      i,
      days[i]!.map((p, m) => (m === n ? { ...p, ...change } : p)),
    );
  return (
    <table className="admin-table hours">
      <thead>
        <tr>
          <th scope="col">Day</th>
          <th scope="col">Open</th>
          <th scope="col">Openings</th>
        </tr>
      </thead>
      <tbody>
        {weekdays.map((day, i) => {
          const periods = days[i]!;
          return (
            <tr key={day} data-weekday={i + 1}>
              <th scope="row">{day}</th>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Open on ${day}`}
                  checked={periods.length > 0}
                  onChange={(e) =>
                    setDay(i, e.target.checked ? [{ opens: '09:00', closes: '18:00' }] : [])
                  }
                />
              </td>
              <td>
                {periods.length === 0 && <span className="muted">Closed</span>}
                {periods.map((p, n) => {
                  const which = n === 0 ? '' : `, opening ${n + 1}`;
                  return (
                    <span className="period" key={n}>
                      <input
                        type="time"
                        step={step}
                        aria-label={`${day} opens${which}`}
                        value={p.opens}
                        onChange={(e) => setPeriod(i, n, { opens: e.target.value })}
                        {...invalidProps(errors, form, `${i}.${n}.opens`)}
                      />
                      –
                      <input
                        type="time"
                        step={step}
                        aria-label={`${day} closes${which}`}
                        value={p.closes}
                        onChange={(e) => setPeriod(i, n, { closes: e.target.value })}
                        {...invalidProps(errors, form, `${i}.${n}.closes`)}
                      />
                      {n > 0 && (
                        <button
                          type="button"
                          aria-label={`Remove ${day} opening ${n + 1}`}
                          onClick={() =>
                            setDay(
                              i,
                              periods.filter((_, m) => m !== n),
                            )
                          }
                        >
                          ✕
                        </button>
                      )}
                      <FieldError errors={errors} form={form} field={`${i}.${n}.opens`} />
                      <FieldError errors={errors} form={form} field={`${i}.${n}.closes`} />
                    </span>
                  );
                })}
                {periods.length > 0 && (
                  <button
                    type="button"
                    onClick={() => {
                      setDay(i, [...periods, nextPeriod(periods[periods.length - 1]!)]);
                    }}
                  >
                    Add an opening on {day}
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** A shop's week: each weekday closed or open with one or more openings (a lunch break between). */
export function ShopHoursEditor({
  shop,
  onSaved,
}: {
  shop: Shop;
  onSaved: (message: string) => void;
}) {
  const [days, setDays] = useState<WeekPeriods>(() => periodsOf(shop.hours));
  const [errors, setErrors] = useState<FieldErrors>({});
  const form = `shop-${shop.id}-hours`;

  const save = async () => {
    try {
      await api(`/api/shops/${shop.id}/hours`, { method: 'PUT', body: { hours: hoursOf(days) } });
      setErrors({});
      onSaved(`${shop.name}: hours saved.`);
    } catch (e) {
      const { fields, other } = fieldErrorsOf(e, placeHoursError(days));
      setErrors(fields);
      onSaved(`${shop.name}: ${other}`);
    }
  };

  return (
    <fieldset className="shop-part">
      <legend>Weekly hours, local time in {shop.timeZone}</legend>
      <WeekHoursTable days={days} onChange={setDays} errors={errors} form={form} />
      <button type="button" className="primary" onClick={() => void save()}>
        Save hours
      </button>
    </fieldset>
  );
}
