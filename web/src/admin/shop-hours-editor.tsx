import { useState } from 'react';
import { api, messageOf } from '../api.ts';
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

interface Period {
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

/** A shop's week: each weekday closed or open with one or more openings (a lunch break between). */
export function ShopHoursEditor({
  shop,
  onSaved,
}: {
  shop: Shop;
  onSaved: (message: string) => void;
}) {
  const [days, setDays] = useState<Period[][]>(() =>
    weekdays.map((_, i) =>
      shop.hours
        .filter((h) => h.weekday === i + 1)
        .map((h) => ({ opens: h.opens, closes: h.closes })),
    ),
  );
  const setDay = (i: number, periods: Period[]) =>
    setDays((all) => all.map((d, j) => (j === i ? periods : d)));
  const setPeriod = (i: number, n: number, change: Partial<Period>) =>
    setDay(
      i,
      days[i]!.map((p, m) => (m === n ? { ...p, ...change } : p)),
    );

  const save = async () => {
    const hours: DayHours[] = days.flatMap((periods, i) =>
      periods.map((p) => ({ weekday: (i + 1) as DayHours['weekday'], ...p })),
    );
    try {
      await api(`/api/shops/${shop.id}/hours`, { method: 'PUT', body: { hours } });
      onSaved(`${shop.name}: hours saved.`);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };

  return (
    <fieldset className="shop-part">
      <legend>Weekly hours, local time in {shop.timeZone}</legend>
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
                          step={300}
                          aria-label={`${day} opens${which}`}
                          value={p.opens}
                          onChange={(e) => setPeriod(i, n, { opens: e.target.value })}
                        />
                        –
                        <input
                          type="time"
                          step={300}
                          aria-label={`${day} closes${which}`}
                          value={p.closes}
                          onChange={(e) => setPeriod(i, n, { closes: e.target.value })}
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
      <button type="button" className="primary" onClick={() => void save()}>
        Save hours
      </button>
    </fieldset>
  );
}
