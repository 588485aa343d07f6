import { useCallback, useEffect, useState } from 'react';
import type {
  EstimateDecision,
  RepairStatus,
  RepairStatusView,
} from '../../../src/api-types/repairs.ts';

/** The path a repair usually takes, as the customer reads it. */
const path: ReadonlyArray<{ status: RepairStatus; label: string }> = [
  { status: 'received', label: 'Received at the shop' },
  { status: 'diagnosing', label: 'Diagnosing' },
  { status: 'waiting-for-parts', label: 'Waiting for parts' },
  { status: 'repaired', label: 'Repaired' },
  { status: 'ready-for-pickup', label: 'Ready for pickup' },
  { status: 'collected', label: 'Collected' },
];
const labelOf = (status: RepairStatus) =>
  path.find((p) => p.status === status)?.label ?? 'Taken in';

type State =
  | { kind: 'loading' }
  | { kind: 'invalid' }
  | { kind: 'failed'; message: string }
  | { kind: 'ready'; view: RepairStatusView };

interface Problem {
  readonly type?: string;
  readonly detail?: string;
}

async function call(token: string, init?: RequestInit): Promise<RepairStatusView> {
  const response = await fetch(
    `/api/repair-status/${encodeURIComponent(token)}${init ? '/estimate' : ''}`,
    { headers: { accept: 'application/json', 'content-type': 'application/json' }, ...init },
  );
  const body = (await response.json().catch(() => null)) as (RepairStatusView & Problem) | null;
  if (!response.ok) {
    const error = new Error(body?.detail ?? `the server answered ${response.status}`);
    (error as Error & { code?: string }).code = body?.type?.split('/').pop();
    throw error;
  }
  return body as RepairStatusView;
}

const money = (cents: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
};

/** The customer's page for their repair: where it stands, each step in shop time, the estimate. */
export function RepairStatusPage({ token }: { token: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const load = useCallback(() => {
    call(token).then(
      (view) => setState({ kind: 'ready', view }),
      (error: Error & { code?: string }) =>
        setState(
          error.code === 'repair-link-invalid' || error.code === 'validation-failed'
            ? { kind: 'invalid' }
            : { kind: 'failed', message: error.message },
        ),
    );
  }, [token]);
  useEffect(load, [load]);
  // A page left open follows the repair: it looks again every minute and when shown again (a
  // failed look keeps what it shows).
  useEffect(() => {
    const refresh = () => {
      if (document.visibilityState !== 'visible') return;
      call(token).then(
        (view) => setState({ kind: 'ready', view }),
        () => undefined,
      );
    };
    const timer = window.setInterval(refresh, 60_000);
    const onShow = refresh;
    document.addEventListener('visibilitychange', onShow);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onShow);
    };
  }, [token]);

  const decide = async (decision: EstimateDecision) => {
    setBusy(true);
    setNotice(null);
    try {
      const view = await call(token, { method: 'POST', body: JSON.stringify({ decision }) });
      setState({ kind: 'ready', view });
      setNotice(
        decision === 'accept'
          ? 'Thank you: the repair goes ahead.'
          : 'Noted: we will not repair it and will tell you when it is ready to collect.',
      );
    } catch (error) {
      setNotice((error as Error).message);
      load();
    } finally {
      setBusy(false);
    }
  };

  if (state.kind === 'loading')
    return (
      <main className="page">
        <p>Loading your repair…</p>
      </main>
    );
  if (state.kind === 'invalid')
    return (
      <main className="page">
        <h1>This link does not open a repair</h1>
        <p role="alert">
          The address may be incomplete or mistyped. Open the link from the message the shop sent
          you, or ask the shop for it again.
        </p>
      </main>
    );
  if (state.kind === 'failed')
    return (
      <main className="page">
        <h1>Your repair</h1>
        <p role="alert">We could not load your repair just now: {state.message}</p>
        <button type="button" onClick={load}>
          Try again
        </button>
      </main>
    );

  const { view } = state;
  const reached = new Map(view.steps.map((s) => [s.status, s]));
  const current = path.findIndex((p) => p.status === view.status);
  const estimate = view.estimate;
  return (
    <main className="page">
      <header>
        <p className="shop">
          {view.shop.name} · {view.shop.address}, {view.shop.city}
        </p>
        <h1>Your {view.device}</h1>
        {view.serialNumber ? <p className="serial">Serial number {view.serialNumber}</p> : null}
      </header>
      <section aria-labelledby="now-title" className="now">
        <h2 id="now-title">Now</h2>
        <p className="current" data-testid="current-status">
          {labelOf(view.status)}
        </p>
        {view.dueLocal && view.status !== 'collected' ? (
          <p>We aim to have it ready by {view.dueLocal}.</p>
        ) : null}
        <p className="zone">Times are the shop’s local time ({view.shop.timeZone}).</p>
      </section>
      {estimate ? (
        <section aria-labelledby="estimate-title" className="estimate">
          <h2 id="estimate-title">Estimate</h2>
          <p className="amount">{money(estimate.amountCents, estimate.currency)}</p>
          {estimate.note ? <p>{estimate.note}</p> : null}
          {estimate.state === 'proposed' ? (
            <div className="buttons">
              <button
                type="button"
                className="accept"
                disabled={busy}
                onClick={() => void decide('accept')}
              >
                Accept
              </button>
              <button
                type="button"
                className="decline"
                disabled={busy}
                onClick={() => void decide('decline')}
              >
                Decline
              </button>
            </div>
          ) : (
            <p className="decided" data-testid="estimate-decision">
              You {estimate.state} this estimate
              {estimate.decidedLocal ? ` on ${estimate.decidedLocal}` : ''}.
            </p>
          )}
        </section>
      ) : null}
      <p role="status" className="notice">
        {notice}
      </p>
      <section aria-labelledby="steps-title">
        <h2 id="steps-title">Steps</h2>
        <ol className="steps">
          {path.map((p, index) => {
            const step = reached.get(p.status);
            const skipped = !step && index < current;
            const done = !!step;
            if (skipped) return null;
            return (
              <li
                key={p.status}
                className={done ? (p.status === view.status ? 'current' : 'done') : 'todo'}
                aria-current={p.status === view.status ? 'step' : undefined}
              >
                <span className="label">{p.label}</span>
                {step ? <time dateTime={step.at}>{step.localTime}</time> : <span>not yet</span>}
              </li>
            );
          })}
        </ol>
      </section>
    </main>
  );
}
