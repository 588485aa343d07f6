import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { DateTime } from 'luxon';
import { api, messageOf } from '../api.ts';
import { useNameOf } from '../app.tsx';
import { useLiveRefresh } from '../live.ts';
import { followLink, href } from '../router.ts';
import type { Repair, RepairStatus } from '../../../src/api-types/repairs.ts';
import { statusNames, uploadPhoto } from './repairs-api.ts';

const moveLabels: Partial<Record<RepairStatus, string>> = {
  received: 'Confirm intake',
  diagnosing: 'Start diagnosing',
  'waiting-for-parts': 'Waiting for parts',
  repaired: 'Mark repaired',
  'ready-for-pickup': 'Ready for pickup',
  collected: 'Collected by the customer',
};

const money = (cents: number, currency: string) => {
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
};

/** One repair: what was taken in, its photos, the estimate, each step and the next-status buttons. */
export function RepairPage({ repairId }: { repairId: number }) {
  const nameOf = useNameOf();
  const [repair, setRepair] = useState<Repair | null>(null);
  const [message, setMessage] = useState<string | null>(() => {
    const left = sessionStorage.getItem('repairs.notice');
    sessionStorage.removeItem('repairs.notice');
    return left;
  });
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    api<Repair>(`/api/repairs/${repairId}`).then(setRepair, (e: unknown) =>
      setMessage(messageOf(e)),
    );
  }, [repairId]);
  useEffect(load, [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('shop.repair-') && event.entity.id === repairId,
    load,
  );

  const act = async (work: () => Promise<Repair | void>, done: string) => {
    setBusy(true);
    setMessage(null);
    try {
      const next = await work();
      if (next) setRepair(next);
      else load();
      setMessage(done);
    } catch (e) {
      setMessage(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  if (!repair)
    return (
      <section className="repairs">
        <p role="status">{message ?? 'Loading…'}</p>
      </section>
    );

  const move = (status: RepairStatus) =>
    act(
      () => api<Repair>(`/api/repairs/${repair.id}/steps`, { method: 'POST', body: { status } }),
      `Now ${statusNames[status].toLowerCase()}.`,
    );
  const propose = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const amount = Number(String(form.get('amount')).replace(',', '.'));
    void act(
      () =>
        api<Repair>(`/api/repairs/${repair.id}/estimate`, {
          method: 'PUT',
          body: {
            amountCents: Math.round(amount * 100),
            currency: String(form.get('currency')),
            note: String(form.get('note') ?? ''),
          },
        }),
      repair.status === 'draft'
        ? 'Estimate saved: it goes to the customer with the intake.'
        : 'Estimate sent to the customer.',
    );
  };
  const saveWhen = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const due = form.has('due') ? String(form.get('due')) : undefined;
    const channel = String(form.get('notify') ?? '') || null;
    // Typed on the shop's clock, wherever this browser is.
    const dueAt =
      due === undefined
        ? undefined
        : due
          ? DateTime.fromISO(due, { zone: repair.timeZone }).toUTC().toISO()
          : null;
    const sameDue =
      dueAt === undefined ||
      (dueAt === null
        ? repair.dueAt === null
        : Date.parse(dueAt) === Date.parse(repair.dueAt ?? ''));
    void act(
      () =>
        api<Repair>(`/api/repairs/${repair.id}`, {
          method: 'PATCH',
          body: {
            ...(sameDue ? {} : { dueAt }),
            ...(channel !== repair.notifyChannel ? { notifyChannel: channel } : {}),
          },
        }),
      'Saved.',
    );
  };
  const addPhotos = (files: FileList | null) => {
    if (!files || files.length === 0) return;
    void act(async () => {
      for (const file of Array.from(files)) await uploadPhoto(repair.id, file);
    }, 'Photo added.');
  };
  const estimate = repair.estimate;
  const mayEstimate =
    (estimate === null || estimate.state === 'proposed') &&
    ['draft', 'received', 'diagnosing', 'waiting-for-parts'].includes(repair.status);

  return (
    <section className="repairs repair" aria-labelledby="repair-title">
      <p>
        <a href={href('/repairs')} onClick={(e) => followLink(e, '/repairs')}>
          ← All repairs
        </a>
      </p>
      <h1 id="repair-title">
        {repair.device} <small>for {repair.customerName}</small>
      </h1>
      <p className="repair-status-line">
        <span className={`repair-badge rs-${repair.status}`} data-testid="repair-status">
          {statusNames[repair.status]}
        </span>{' '}
        at {repair.shopName}
        {repair.dueLocal ? <> · ready by {repair.dueLocal}</> : null}
      </p>
      <p role="status" className="notice">
        {message}
      </p>
      <div className="repair-layout">
        <div>
          <section className="card" aria-labelledby="next-title">
            <h2 id="next-title">Next</h2>
            {repair.nextStatuses.length === 0 ? (
              <p>The device was collected: this repair is finished.</p>
            ) : (
              <div className="row">
                {repair.nextStatuses.map((status) => (
                  <button
                    key={status}
                    type="button"
                    className={status === repair.nextStatuses[0] ? 'primary' : ''}
                    disabled={busy}
                    onClick={() => void move(status)}
                  >
                    {moveLabels[status] ?? statusNames[status]}
                  </button>
                ))}
              </div>
            )}
            {repair.status === 'draft' && (
              <p className="hint">
                A draft tells the customer nothing. Confirming the intake opens their case and sends
                them the status link.
              </p>
            )}
          </section>
          <section className="card" aria-labelledby="intake-facts">
            <h2 id="intake-facts">Intake</h2>
            <dl className="facts">
              <dt>Serial number</dt>
              <dd>{repair.serialNumber || '—'}</dd>
              <dt>Fault</dt>
              <dd>{repair.fault}</dd>
              <dt>Condition</dt>
              <dd>{repair.condition || '—'}</dd>
              <dt>Left with it</dt>
              <dd>{repair.accessories.length ? repair.accessories.join(', ') : 'nothing'}</dd>
              <dt>Tell them by</dt>
              <dd>
                {repair.notifyChannel === 'sms'
                  ? 'SMS'
                  : repair.notifyChannel === 'email'
                    ? 'Email'
                    : 'the channel they last used'}
              </dd>
            </dl>
            {repair.status !== 'collected' && (
              <form
                key={repair.updatedAt}
                className="row"
                onSubmit={saveWhen}
                aria-label="Due time and channel"
              >
                {!['ready-for-pickup', 'collected'].includes(repair.status) && (
                  <label>
                    Ready by (shop time)
                    <input
                      name="due"
                      type="datetime-local"
                      defaultValue={
                        repair.dueAt
                          ? DateTime.fromISO(repair.dueAt, { zone: repair.timeZone }).toFormat(
                              "yyyy-MM-dd'T'HH:mm",
                            )
                          : ''
                      }
                    />
                  </label>
                )}
                <label>
                  Tell them by
                  <select name="notify" defaultValue={repair.notifyChannel ?? ''}>
                    <option value="">the channel they last used</option>
                    <option value="sms">SMS</option>
                    <option value="email">Email</option>
                  </select>
                </label>
                <button type="submit" disabled={busy}>
                  Save
                </button>
              </form>
            )}
            <h3>Photos</h3>
            {repair.photos.length === 0 ? <p>No photos yet.</p> : null}
            <ul className="photos">
              {repair.photos.map((p) => (
                <li key={p.id}>
                  <a href={p.url} target="_blank" rel="noreferrer">
                    <img src={p.url} alt={`Photo ${p.name}`} />
                  </a>
                  <small>{p.name}</small>
                </li>
              ))}
            </ul>
            {repair.status !== 'collected' && (
              <label>
                Add photos
                <input
                  type="file"
                  accept="image/png,image/jpeg,image/gif,image/webp"
                  multiple
                  disabled={busy}
                  onChange={(e) => addPhotos(e.target.files)}
                />
              </label>
            )}
          </section>
          <section className="card" aria-labelledby="estimate-title">
            <h2 id="estimate-title">Estimate</h2>
            {estimate ? (
              <p data-testid="estimate">
                {money(estimate.amountCents, estimate.currency)}
                {estimate.note ? ` — ${estimate.note}` : ''} ·{' '}
                <strong>
                  {estimate.state === 'proposed'
                    ? 'waiting for the customer'
                    : `${estimate.state} by the customer`}
                </strong>
              </p>
            ) : (
              <p>No estimate yet.</p>
            )}
            {mayEstimate && (
              <form className="row" onSubmit={propose}>
                <label>
                  Amount
                  <input
                    name="amount"
                    inputMode="decimal"
                    required
                    pattern="[0-9]+([.,][0-9]{1,2})?"
                    defaultValue={estimate ? (estimate.amountCents / 100).toFixed(2) : ''}
                  />
                </label>
                <label>
                  Currency
                  <input
                    name="currency"
                    required
                    pattern="[A-Za-z]{3}"
                    size={4}
                    defaultValue={estimate?.currency ?? 'EUR'}
                  />
                </label>
                <label>
                  Note
                  <input name="note" defaultValue={estimate?.note ?? ''} />
                </label>
                <button type="submit" disabled={busy}>
                  {estimate ? 'Revise estimate' : 'Propose estimate'}
                </button>
              </form>
            )}
          </section>
        </div>
        <aside>
          <section className="card" aria-labelledby="steps-title">
            <h2 id="steps-title">Steps</h2>
            <ol className="repair-steps">
              {repair.steps.map((s) => (
                <li key={s.id}>
                  <strong>{statusNames[s.status]}</strong>
                  <br />
                  <small>
                    {s.localTime} · {nameOf(s.advisorId)}
                    {s.toldOn ? ` · customer told by ${s.toldOn === 'sms' ? 'SMS' : 'email'}` : ''}
                  </small>
                  {s.note ? <p>{s.note}</p> : null}
                </li>
              ))}
            </ol>
          </section>
          <section className="card" aria-labelledby="links-title">
            <h2 id="links-title">Customer</h2>
            <p>
              <a
                href={href(`/customers/${repair.customerId}`)}
                onClick={(e) => followLink(e, `/customers/${repair.customerId}`)}
              >
                {repair.customerName}
              </a>
              {repair.conversationId ? (
                <>
                  {' · '}
                  <a
                    href={href(`/c/${repair.conversationId}`)}
                    onClick={(e) => followLink(e, `/c/${repair.conversationId}`)}
                  >
                    their case
                  </a>
                </>
              ) : null}
            </p>
            {repair.status !== 'draft' && (
              <p>
                Status page:{' '}
                <a
                  href={repair.statusUrl}
                  target="_blank"
                  rel="noreferrer"
                  data-testid="status-link"
                >
                  open
                </a>
              </p>
            )}
          </section>
        </aside>
      </div>
    </section>
  );
}
