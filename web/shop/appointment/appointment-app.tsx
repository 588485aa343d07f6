import { useCallback, useEffect, useState } from 'react';
import type {
  AppointmentView,
  BookingResult,
  SlotView,
} from '../../../src/api-types/appointments.ts';
import { callApi, ProblemError } from '../shared/api.ts';
import { whenLabel, zoneLabel } from '../shared/format.ts';
import { ShopPage } from '../shared/shop-page.tsx';
import { SlotPicker } from '../shared/slot-picker.tsx';

const statusWords: Record<AppointmentView['status'], string> = {
  booked: 'Booked',
  'checked-in': 'Checked in',
  serving: 'Being served',
  served: 'Done',
  'no-show': 'Missed',
  cancelled: 'Cancelled',
};

/** The link's token and the version of the appointment the message carrying it was about. */
function fromAddress(): { token: string; version: number | null } {
  const token = decodeURIComponent(location.pathname.split('/').pop() ?? '');
  const v = Number(new URLSearchParams(location.search).get('v'));
  return { token, version: Number.isInteger(v) && v > 0 ? v : null };
}

/**
 * The appointment behind a customer's signed link: always its current state (an old link of a
 * moved booking says it moved; a cancelled one points to the customer's live booking), with
 * "move" and "cancel" while it can still change.
 */
export function AppointmentApp() {
  const [{ token, version: linkVersion }] = useState(fromAddress);
  const [appointment, setAppointment] = useState<AppointmentView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [mode, setMode] = useState<'view' | 'move' | 'cancel'>('view');
  const [refresh, setRefresh] = useState(0);

  const load = useCallback(async () => {
    try {
      setAppointment(
        await callApi<AppointmentView>(`/api/book/appointments/${encodeURIComponent(token)}`),
      );
    } catch (e) {
      setProblem(
        e instanceof ProblemError && e.status === 404
          ? 'This link does not open an appointment. Check that you copied it whole.'
          : e instanceof Error
            ? e.message
            : String(e),
      );
    }
  }, [token]);
  useEffect(() => void load(), [load]);

  const change = async (
    path: 'reschedule' | 'cancel',
    body: Record<string, unknown>,
    done: string,
  ) => {
    if (!appointment) return;
    setProblem(null);
    try {
      const result = await callApi<BookingResult>(
        `/api/book/appointments/${encodeURIComponent(token)}/${path}`,
        { method: 'POST', body: { ...body, version: appointment.version } },
      );
      setAppointment(result.appointment);
      setNotice(done);
      setMode('view');
    } catch (e) {
      setProblem(e instanceof ProblemError ? e.message : String(e));
      if (e instanceof ProblemError && e.code === 'appointment-changed') await load();
      if (e instanceof ProblemError && e.code === 'slot-taken') setRefresh((n) => n + 1);
    }
  };

  if (!appointment)
    return (
      <ShopPage title="Your appointment">
        {problem ? (
          <p role="alert" className="problem">
            {problem}
          </p>
        ) : (
          <p className="quiet">Loading…</p>
        )}
      </ShopPage>
    );
  const a = appointment;
  const zone = a.shop.timeZone;
  const outdated = linkVersion !== null && linkVersion < a.version && a.status !== 'cancelled';
  return (
    <ShopPage title="Your appointment">
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {outdated && !notice && (
        <p className="notice" role="status">
          This link came with an earlier message: your appointment has moved since. Here it is now.
        </p>
      )}
      <section className="card" aria-label="Appointment">
        <p>
          <span className={a.status === 'cancelled' ? 'status cancelled' : 'status'}>
            {statusWords[a.status]}
          </span>
        </p>
        <dl className="facts">
          <dt>When</dt>
          <dd>
            {whenLabel(a.startsAt, zone)}, {zoneLabel(zone)}
          </dd>
          <dt>Where</dt>
          <dd>
            {a.shop.name}, {a.shop.address}
          </dd>
          <dt>For</dt>
          <dd>{a.service.name}</dd>
          <dt>Name</dt>
          <dd>{a.name}</dd>
        </dl>
      </section>
      {a.status === 'cancelled' && a.live && (
        <p className="notice">
          You have another appointment: {a.live.when}.{' '}
          <a href={`/appointment/${a.live.token}`}>Open your current appointment</a>
        </p>
      )}
      {a.status === 'cancelled' && !a.live && (
        <p>
          <a href="/book">Book a new appointment</a>
        </p>
      )}
      {a.changeable && mode === 'view' && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => setMode('move')}>
            Move to another time
          </button>
          <button type="button" className="danger" onClick={() => setMode('cancel')}>
            Cancel the appointment
          </button>
        </div>
      )}
      {mode === 'move' && (
        <section aria-labelledby="move-title">
          <h2 id="move-title">Pick a new time</h2>
          <SlotPicker
            shopId={a.shop.id}
            serviceId={a.service.id}
            refresh={refresh}
            onPick={(slot: SlotView, timeZone) =>
              void change(
                'reschedule',
                { startsAt: slot.startsAt },
                `Moved to ${whenLabel(slot.startsAt, timeZone)}, ${zoneLabel(timeZone)}. We have sent you the new details.`,
              )
            }
          />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setMode('view')}>
              Keep the current time
            </button>
          </div>
        </section>
      )}
      {mode === 'cancel' && (
        <section className="card" aria-labelledby="cancel-title">
          <h2 id="cancel-title">Cancel this appointment?</h2>
          <p>The time goes back to other customers.</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() => void change('cancel', {}, 'Your appointment is cancelled.')}
            >
              Yes, cancel it
            </button>
            <button type="button" className="secondary" onClick={() => setMode('view')}>
              No, keep it
            </button>
          </div>
        </section>
      )}
    </ShopPage>
  );
}
