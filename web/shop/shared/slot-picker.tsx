import { useEffect, useMemo, useState } from 'react';
import type { SlotList, SlotView } from '../../../src/api-types/appointments.ts';
import { callApi, ProblemError } from './api.ts';
import { dayLabel, zoneLabel } from './format.ts';

/**
 * Picks a day, then a time, among a service's free slots at a shop (two weeks ahead), in the shop's
 * time zone, named above the times. Used by the booking page and by the appointment page's "move".
 */
export function SlotPicker(props: {
  readonly shopId: number;
  readonly serviceId: number;
  readonly onPick: (slot: SlotView, timeZone: string) => void;
  /** Bumped by the parent to read the slots again (after a refusal: a slot was just taken). */
  readonly refresh?: number;
}) {
  const [list, setList] = useState<SlotList | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [day, setDay] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    callApi<SlotList>(`/api/book/shops/${props.shopId}/slots?serviceId=${props.serviceId}`)
      .then((l) => live && setList(l))
      .catch((e: unknown) => live && setError(e instanceof ProblemError ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [props.shopId, props.serviceId, props.refresh]);

  const days = useMemo(() => {
    const byDay = new Map<string, SlotView[]>();
    for (const s of list?.items ?? []) byDay.set(s.date, [...(byDay.get(s.date) ?? []), s]);
    return [...byDay];
  }, [list]);

  if (error)
    return (
      <p role="alert" className="problem">
        {error}
      </p>
    );
  if (!list) return <p className="quiet">Looking for free times…</p>;
  if (days.length === 0)
    return (
      <p className="quiet">
        No free time in the next two weeks for this service here. Try another shop.
      </p>
    );
  const times = days.find(([d]) => d === day)?.[1];
  return (
    <div className="slot-picker">
      <p className="zone">Times are in the shop’s time: {zoneLabel(list.timeZone)}.</p>
      <h3>Pick a day</h3>
      <ul className="days" aria-label="Days with free times">
        {days.map(([d, slots]) => (
          <li key={d}>
            <button
              type="button"
              className={d === day ? 'choice chosen' : 'choice'}
              aria-pressed={d === day}
              onClick={() => setDay(d)}
            >
              <strong>{dayLabel(d)}</strong>
              <span>{slots.length} free</span>
            </button>
          </li>
        ))}
      </ul>
      {times && (
        <>
          <h3>Pick a time on {dayLabel(day!)}</h3>
          <ul className="times" aria-label="Free times">
            {times.map((s) => (
              <li key={s.startsAt}>
                <button
                  type="button"
                  className="choice time"
                  onClick={() => props.onPick(s, list.timeZone)}
                >
                  {s.time}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}
