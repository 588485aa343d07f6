/**
 * The kiosk of one shop, on a tablet at the door: pick a service, leave a phone number or email if
 * you like, and get a ticket with its estimated wait, shown large; or say "I have an appointment"
 * and check in. Big targets, one question per screen, back to the start on its own. When the
 * server cannot be reached it says so at once, keeps trying, and carries on when it answers.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type {
  CheckedInView,
  KioskInfo,
  KioskService,
  TicketView,
  WaitEstimate,
} from '../../../src/api-types/tickets.ts';
import { checkIn, kioskInfo, newKey, Offline, Refused, takeTicket } from './kiosk-api.ts';

type Screen =
  | { readonly name: 'services' }
  | { readonly name: 'contact'; readonly service: KioskService }
  | { readonly name: 'ticket'; readonly ticket: TicketView }
  | { readonly name: 'appointment' }
  | { readonly name: 'checked-in'; readonly appointment: CheckedInView };

/** How often the waits are refreshed while online, and the server tried while offline. */
const refreshMs = 30_000;
const retryMs = 3_000;
/** A result screen goes back to the start after this long. */
const resultMs = 25_000;

export function waitText(estimate: WaitEstimate): string {
  if (estimate.minutes === null) return 'No one for this service is at the desks right now';
  if (estimate.minutes === 0) return 'No wait';
  return `About ${estimate.minutes} min`;
}

function aheadText(estimate: WaitEstimate): string {
  if (estimate.ahead === 0) return 'Nobody ahead of you';
  return estimate.ahead === 1 ? '1 person ahead of you' : `${estimate.ahead} people ahead of you`;
}

export function KioskApp({ shop }: { readonly shop: number }) {
  const [info, setInfo] = useState<KioskInfo | null>(null);
  const [offline, setOffline] = useState(false);
  const [missing, setMissing] = useState(false);
  const [screen, setScreen] = useState<Screen>({ name: 'services' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setInfo(await kioskInfo(shop));
      setOffline(false);
    } catch (e) {
      if (e instanceof Offline) setOffline(true);
      else if (e instanceof Refused && e.status === 404) setMissing(true);
    }
  }, [shop]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), offline ? retryMs : refreshMs);
    const wentOffline = () => setOffline(true);
    const cameBack = () => void refresh();
    window.addEventListener('offline', wentOffline);
    window.addEventListener('online', cameBack);
    return () => {
      clearInterval(timer);
      window.removeEventListener('offline', wentOffline);
      window.removeEventListener('online', cameBack);
    };
  }, [refresh, offline]);

  const home = useCallback(() => {
    setScreen({ name: 'services' });
    setError(null);
    void refresh();
  }, [refresh]);

  useEffect(() => {
    if (screen.name !== 'ticket' && screen.name !== 'checked-in') return;
    const timer = setTimeout(home, resultMs);
    return () => clearTimeout(timer);
  }, [screen, home]);

  /** Runs a request; a lost connection flips the kiosk offline, a refusal shows its reason. */
  const attempt = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      setOffline(false);
    } catch (e) {
      if (e instanceof Offline) {
        setOffline(true);
        setError(
          'No connection to the server. Tap again once it is back: you will get one ticket, never two.',
        );
      } else if (e instanceof Refused) setError(e.detail);
      else setError('Something went wrong. Please ask at the desk.');
    } finally {
      setBusy(false);
    }
  };

  if (missing)
    return (
      <main className="kiosk">
        <h1>This kiosk is not set up</h1>
        <p className="lead">No shop has this address. Please ask at the desk.</p>
      </main>
    );

  return (
    <main className="kiosk" aria-busy={busy}>
      {offline && (
        <div className="offline" role="alert">
          <strong>Offline</strong> — this kiosk has no connection to the server. Tickets cannot be
          taken right now; please ask at the desk. Trying again…
        </div>
      )}
      <header className="kiosk-head">
        <span className="shop-name">{info?.shop.name ?? 'Welcome'}</span>
        {info && (
          <span className="shop-time">
            {info.shop.localTime} <small>{info.shop.timeZone}</small>
          </span>
        )}
      </header>
      {screen.name === 'services' && (
        <Services
          info={info}
          disabled={offline || busy}
          onPick={(service) => setScreen({ name: 'contact', service })}
          onAppointment={() => setScreen({ name: 'appointment' })}
        />
      )}
      {screen.name === 'contact' && (
        <Contact
          service={screen.service}
          busy={busy}
          disabled={offline}
          error={error}
          onBack={home}
          onTake={(contact, key) =>
            attempt(async () => {
              const result = await takeTicket(
                shop,
                { serviceId: screen.service.id, ...contact },
                key,
              );
              setScreen(
                result.kind === 'ticket'
                  ? { name: 'ticket', ticket: result.ticket }
                  : { name: 'checked-in', appointment: result.appointment },
              );
            })
          }
        />
      )}
      {screen.name === 'ticket' && (
        <Ticket ticket={screen.ticket} closesAt={info?.shop.closesAt ?? null} onDone={home} />
      )}
      {screen.name === 'appointment' && (
        <Appointment
          busy={busy}
          disabled={offline}
          error={error}
          onBack={home}
          onCheckIn={(request) =>
            attempt(async () => {
              const appointment = await checkIn(shop, request);
              setScreen({ name: 'checked-in', appointment });
            })
          }
        />
      )}
      {screen.name === 'checked-in' && <CheckedIn appointment={screen.appointment} onDone={home} />}
    </main>
  );
}

function Services(props: {
  readonly info: KioskInfo | null;
  readonly disabled: boolean;
  readonly onPick: (service: KioskService) => void;
  readonly onAppointment: () => void;
}) {
  const { info } = props;
  if (!info) return <p className="lead">Loading…</p>;
  if (!info.shop.open)
    return (
      <section className="closed">
        <h1>The shop is closed now</h1>
        <p className="lead">
          {info.shop.opensText
            ? `We open again ${info.shop.opensText} (${info.shop.timeZone}).`
            : 'Tickets can be taken during opening hours.'}
        </p>
      </section>
    );
  return (
    <section>
      <h1>What can we help you with?</h1>
      <div className="services">
        {info.services.map((service) => (
          <button
            key={service.id}
            type="button"
            className="service"
            disabled={props.disabled}
            onClick={() => props.onPick(service)}
          >
            <span className="service-name">{service.name}</span>
            <span className="service-wait">{waitText(service.estimate)}</span>
          </button>
        ))}
      </div>
      <button
        type="button"
        className="appointment-link"
        disabled={props.disabled}
        onClick={props.onAppointment}
      >
        I have an appointment
      </button>
    </section>
  );
}

function Contact(props: {
  readonly service: KioskService;
  readonly busy: boolean;
  readonly disabled: boolean;
  readonly error: string | null;
  readonly onBack: () => void;
  readonly onTake: (contact: { phone?: string; email?: string }, key: string) => Promise<void>;
}) {
  const [value, setValue] = useState('');
  // One key per ticket asked for: a double tap, or a retry after a lost connection, is one ticket.
  const key = useRef(newKey());
  const contact = () => {
    const text = value.trim();
    if (!text) return {};
    return text.includes('@') ? { email: text } : { phone: text };
  };
  return (
    <section>
      <h1>{props.service.name}</h1>
      <p className="lead">
        Want a message when your turn nears? Leave your mobile number or email (optional).
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void props.onTake(contact(), key.current);
        }}
      >
        <label className="field">
          <span>Mobile number or email</span>
          <input
            name="contact"
            inputMode="email"
            autoComplete="off"
            value={value}
            maxLength={254}
            onChange={(event) => setValue(event.target.value)}
          />
        </label>
        {props.error && (
          <p className="error" role="alert">
            {props.error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={props.onBack}>
            Back
          </button>
          <button type="submit" className="primary" disabled={props.busy || props.disabled}>
            {props.busy
              ? 'One moment…'
              : value.trim()
                ? 'Get my ticket'
                : 'Get my ticket without a message'}
          </button>
        </div>
      </form>
    </section>
  );
}

function Ticket({
  ticket,
  closesAt,
  onDone,
}: {
  readonly ticket: TicketView;
  readonly closesAt: string | null;
  readonly onDone: () => void;
}) {
  // Honest about closing time: a wait that runs past it is said plainly.
  const minutes = ticket.estimate.minutes;
  const pastClosing =
    closesAt !== null &&
    minutes !== null &&
    Date.parse(ticket.takenAt) + minutes * 60_000 > Date.parse(closesAt);
  return (
    <section className="result" aria-live="polite">
      <p className="lead">Your ticket for {ticket.serviceName}</p>
      <p className="ticket-code">{ticket.code}</p>
      <p className="ticket-wait">{waitText(ticket.estimate)}</p>
      <p className="lead">
        {aheadText(ticket.estimate)}
        {ticket.estimate.advisors > 0 &&
          ` · ${ticket.estimate.advisors} ${ticket.estimate.advisors === 1 ? 'advisor' : 'advisors'} on duty for this`}
      </p>
      <p className="lead">
        {ticket.notify
          ? 'We will send you a message when your turn nears.'
          : 'Watch the screen: your number will be called.'}
      </p>
      {pastClosing && (
        <p className="error">
          This wait runs past closing time: we may not reach you today. Please ask at the desk.
        </p>
      )}
      <button type="button" className="primary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}

function Appointment(props: {
  readonly busy: boolean;
  readonly disabled: boolean;
  readonly error: string | null;
  readonly onBack: () => void;
  readonly onCheckIn: (request: { code?: string; phone?: string; email?: string }) => Promise<void>;
}) {
  const [value, setValue] = useState('');
  const request = () => {
    const text = value.trim();
    if (text.includes('@')) return { email: text };
    // A booking code looks like "a123.<signature>"; anything else is a phone number.
    if (/^a[0-9]+\./.test(text)) return { code: text };
    return { phone: text };
  };
  return (
    <section>
      <h1>Check in for your appointment</h1>
      <p className="lead">
        Enter the code from your confirmation, or the mobile number or email you booked with.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (value.trim()) void props.onCheckIn(request());
        }}
      >
        <label className="field">
          <span>Booking code, mobile number or email</span>
          <input
            name="booking"
            autoComplete="off"
            value={value}
            maxLength={254}
            onChange={(event) => setValue(event.target.value)}
          />
        </label>
        {props.error && (
          <p className="error" role="alert">
            {props.error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="secondary" onClick={props.onBack}>
            Back
          </button>
          <button
            type="submit"
            className="primary"
            disabled={props.busy || props.disabled || !value.trim()}
          >
            {props.busy ? 'One moment…' : 'Check in'}
          </button>
        </div>
      </form>
    </section>
  );
}

function CheckedIn({
  appointment,
  onDone,
}: {
  readonly appointment: CheckedInView;
  readonly onDone: () => void;
}) {
  const early = appointment.minutesEarly;
  return (
    <section className="result" aria-live="polite">
      <h1>You are checked in, {appointment.name}</h1>
      <p className="ticket-wait">
        {appointment.serviceName} at {appointment.localStart} <small>{appointment.timeZone}</small>
      </p>
      <p className="lead">
        {early > 0
          ? `You are ${early} min early. Please take a seat: we will call you by your time, sooner if a desk is free.`
          : 'Please take a seat: we will call you shortly.'}
      </p>
      <p className="lead">You do not need a ticket.</p>
      <button type="button" className="primary" onClick={onDone}>
        Done
      </button>
    </section>
  );
}
