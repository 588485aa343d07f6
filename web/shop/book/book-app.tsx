import { useState, type FormEvent } from 'react';
import type {
  BookableService,
  BookableShop,
  BookingResult,
  SlotView,
} from '../../../src/api-types/appointments.ts';
import { callApi, newIdempotencyKey, ProblemError } from '../shared/api.ts';
import { whenLabel, zoneLabel } from '../shared/format.ts';
import { ShopPage } from '../shared/shop-page.tsx';
import { SlotPicker } from '../shared/slot-picker.tsx';

type Step = 'shop' | 'service' | 'slot' | 'details' | 'done';
const stepNames: Record<Step, string> = {
  shop: 'Shop',
  service: 'Service',
  slot: 'Day and time',
  details: 'Your details',
  done: 'Confirmed',
};

/**
 * The public booking page at /book: a shop (nearest first from a postcode or the browser's
 * location) → a service → a day and a time (in the shop's zone) → name, email, phone → confirmed,
 * with the link to move or cancel.
 */
export function BookApp() {
  const [step, setStep] = useState<Step>('shop');
  const [shops, setShops] = useState<BookableShop[] | null>(null);
  const [shop, setShop] = useState<BookableShop | null>(null);
  const [service, setService] = useState<BookableService | null>(null);
  const [slot, setSlot] = useState<{ view: SlotView; timeZone: string } | null>(null);
  const [result, setResult] = useState<BookingResult | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [refresh, setRefresh] = useState(0);

  const findShops = async (query: string) => {
    setProblem(null);
    try {
      setShops((await callApi<{ items: BookableShop[] }>(`/api/book/shops${query}`)).items);
    } catch (e) {
      setProblem(e instanceof ProblemError ? e.message : String(e));
    }
  };

  return (
    <ShopPage title="Book an appointment in a shop">
      <ol className="steps" aria-label="Steps">
        {(Object.keys(stepNames) as Step[]).map((s) => (
          <li key={s} aria-current={s === step ? 'step' : undefined}>
            {stepNames[s]}
          </li>
        ))}
      </ol>
      {problem && (
        <p role="alert" className="problem">
          {problem}
        </p>
      )}
      {step === 'shop' && (
        <FindShop
          shops={shops}
          onFind={findShops}
          onProblem={setProblem}
          onPick={(s) => {
            setShop(s);
            setStep('service');
          }}
        />
      )}
      {step === 'service' && shop && (
        <section aria-labelledby="service-title">
          <h2 id="service-title">What can {shop.name} do for you?</h2>
          <ul className="choices">
            {shop.services.map((s) => (
              <li key={s.id}>
                <button
                  type="button"
                  className="choice"
                  onClick={() => {
                    setService(s);
                    setStep('slot');
                  }}
                >
                  <strong>{s.name}</strong>
                  <span>About {s.durationMinutes} minutes</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setStep('shop')}>
              Back to shops
            </button>
          </div>
        </section>
      )}
      {step === 'slot' && shop && service && (
        <section aria-labelledby="slot-title">
          <h2 id="slot-title">
            {service.name} at {shop.name}
          </h2>
          <SlotPicker
            shopId={shop.id}
            serviceId={service.id}
            refresh={refresh}
            onPick={(view, timeZone) => {
              setProblem(null);
              setSlot({ view, timeZone });
              setStep('details');
            }}
          />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setStep('service')}>
              Back to services
            </button>
          </div>
        </section>
      )}
      {step === 'details' && shop && service && slot && (
        <Details
          summary={`${service.name} at ${shop.name}, ${whenLabel(slot.view.startsAt, slot.timeZone)}, ${zoneLabel(slot.timeZone)}`}
          onBack={() => setStep('slot')}
          onSubmit={async (who, key) => {
            setProblem(null);
            try {
              const booked = await callApi<BookingResult>('/api/book/appointments', {
                method: 'POST',
                idempotencyKey: key,
                body: {
                  shopId: shop.id,
                  serviceId: service.id,
                  startsAt: slot.view.startsAt,
                  name: who.name,
                  ...(who.email ? { email: who.email } : {}),
                  ...(who.phone ? { phone: who.phone } : {}),
                },
              });
              setResult(booked);
              setStep('done');
            } catch (e) {
              setProblem(e instanceof ProblemError ? e.message : String(e));
              if (
                e instanceof ProblemError &&
                (e.code === 'slot-taken' || e.code === 'slot-in-past')
              ) {
                setRefresh((n) => n + 1);
                setStep('slot');
              }
            }
          }}
        />
      )}
      {step === 'done' && result && <Confirmed result={result} />}
    </ShopPage>
  );
}

function FindShop(props: {
  readonly shops: BookableShop[] | null;
  readonly onFind: (query: string) => Promise<void>;
  readonly onProblem: (message: string | null) => void;
  readonly onPick: (shop: BookableShop) => void;
}) {
  const [postcode, setPostcode] = useState('');
  const [locating, setLocating] = useState(false);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void props.onFind(postcode.trim() ? `?postcode=${encodeURIComponent(postcode.trim())}` : '');
  };
  const locate = () => {
    if (!('geolocation' in navigator)) {
      props.onProblem('This browser cannot tell where you are: type your postcode instead.');
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        const { latitude, longitude } = position.coords;
        void props.onFind(`?latitude=${latitude.toFixed(5)}&longitude=${longitude.toFixed(5)}`);
      },
      () => {
        setLocating(false);
        props.onProblem('We could not get your location: type your postcode instead.');
      },
      { timeout: 10_000, maximumAge: 300_000 },
    );
  };
  return (
    <section aria-labelledby="shop-title">
      <h2 id="shop-title">Which shop?</h2>
      <form className="find" onSubmit={submit}>
        <label>
          Your postcode
          <input
            name="postcode"
            inputMode="text"
            autoComplete="postal-code"
            maxLength={16}
            value={postcode}
            onChange={(e) => setPostcode(e.target.value.replace(/[^0-9A-Za-z -]/g, ''))}
          />
        </label>
        <button type="submit" className="primary">
          Find shops
        </button>
        <button type="button" className="secondary" onClick={locate} disabled={locating}>
          {locating ? 'Locating…' : 'Use my location'}
        </button>
      </form>
      {props.shops && (
        <ul className="choices" aria-label="Shops, nearest first">
          {props.shops.length === 0 && <li className="quiet">No shop takes appointments yet.</li>}
          {props.shops.map((s) => (
            <li key={s.id}>
              <button type="button" className="choice" onClick={() => props.onPick(s)}>
                <strong>{s.name}</strong>
                <span>
                  {s.address}, {s.postcode} {s.city}
                  {s.distanceKm !== null ? ` · ${s.distanceKm} km` : ''}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Details(props: {
  readonly summary: string;
  readonly onBack: () => void;
  readonly onSubmit: (
    who: { name: string; email: string; phone: string },
    key: string,
  ) => Promise<void>;
}) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [busy, setBusy] = useState(false);
  const [missing, setMissing] = useState(false);
  // One key per filled-in form: pressing again after a lost answer does not book twice.
  const [key] = useState(newIdempotencyKey);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!email.trim() && !phone.trim()) {
      setMissing(true);
      return;
    }
    setBusy(true);
    await props.onSubmit({ name: name.trim(), email: email.trim(), phone: phone.trim() }, key);
    setBusy(false);
  };
  return (
    <section aria-labelledby="details-title">
      <h2 id="details-title">Your details</h2>
      <p className="card">{props.summary}</p>
      <form className="details" onSubmit={(e) => void submit(e)}>
        <label htmlFor="name">Name</label>
        <input
          id="name"
          required
          maxLength={120}
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label htmlFor="email">Email</label>
        <input
          id="email"
          type="email"
          maxLength={254}
          autoComplete="email"
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
        <label htmlFor="phone">Mobile phone (for a text message)</label>
        <input
          id="phone"
          type="tel"
          maxLength={40}
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
        />
        {missing && (
          <p role="alert" className="problem">
            Give an email address or a mobile number, so we can confirm your appointment.
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Booking…' : 'Book this appointment'}
          </button>
          <button type="button" className="secondary" onClick={props.onBack}>
            Pick another time
          </button>
        </div>
      </form>
    </section>
  );
}

function Confirmed(props: { readonly result: BookingResult }) {
  const a = props.result.appointment;
  const sent = props.result.confirmations.sent;
  const by =
    sent.length === 0
      ? null
      : sent.map((c) => (c === 'sms' ? 'text message' : 'email')).join(' and ');
  return (
    <section aria-labelledby="done-title" className="card">
      <h2 id="done-title">You are booked</h2>
      <dl className="facts">
        <dt>When</dt>
        <dd>
          {whenLabel(a.startsAt, a.shop.timeZone)}, {zoneLabel(a.shop.timeZone)}
        </dd>
        <dt>Where</dt>
        <dd>
          {a.shop.name}, {a.shop.address}
        </dd>
        <dt>For</dt>
        <dd>{a.service.name}</dd>
      </dl>
      <p>
        {by
          ? `We have sent the details by ${by}, with a calendar file in the email.`
          : 'Keep this page: we could not send you a message.'}
      </p>
      <p>
        <a href={`/appointment/${a.token}`}>See, move or cancel your appointment</a>
      </p>
    </section>
  );
}
