import { useCallback, useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { followLink, href } from '../router.ts';
import { channelNames, duration, percent } from '../format.ts';
import { presenceNames } from '../routing/routing-api.ts';
import type { AdvisorStates, AdvisorStateView, HeldWork } from '../types.ts';
import { BarChart, Sparkline } from './charts.tsx';
import { AdvisorActions, ReassignCase } from './wall-actions.tsx';

const channels = ['voice', 'chat', 'email', 'sms', 'social', 'shop'] as const;

/** "Chat 2/3 · Email 1/5": what an advisor holds against what they may hold, on their channels. */
function loadText(a: AdvisorStateView): string {
  const parts = channels
    .filter((c) => a.capacity[c] > 0 || a.load[c] > 0)
    .map((c) => `${channelNames[c] ?? c} ${a.load[c]}/${a.capacity[c]}`);
  return parts.length ? parts.join(' · ') : 'no channel';
}

/** Advisors' states and occupancy over the last hour, those above the cap marked; live. */
export function AdvisorsPanel() {
  const [states, setStates] = useState<AdvisorStates | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<number | null>(null);
  const load = useCallback(() => {
    api<AdvisorStates>('/api/routing/advisors').then(
      (s) => {
        setStates(s);
        setError(null);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  useEffect(() => {
    load();
    // Occupancy moves with time even when no event arrives.
    const timer = window.setInterval(load, 15_000);
    return () => window.clearInterval(timer);
  }, [load]);
  useLiveRefresh(
    (event) =>
      event.type === 'presence.changed' ||
      event.type === 'capacity.changed' ||
      event.type.startsWith('work-item.'),
    load,
    300,
  );

  if (error && !states) return <p role="alert">{error}</p>;
  if (!states) return <p>Loading advisors…</p>;
  const cap = states.occupancyCap;
  const above = states.advisors.filter((a) => a.aboveCap);
  return (
    <section className="advisors" aria-labelledby="advisors-title">
      <h2 id="advisors-title">Advisors</h2>
      <p data-testid="above-cap">
        Occupancy over the last hour; the cap is {percent(cap)}.{' '}
        {above.length === 0
          ? 'Nobody is above it.'
          : `Above the cap: ${above.map((a) => a.name).join(', ')}.`}
      </p>
      <figure>
        <figcaption>Occupancy, last hour (tick: the cap; red: above it)</figcaption>
        <BarChart
          title="Occupancy over the last hour"
          max={1}
          bars={states.advisors.map((a) => ({
            label: a.name.split(' ')[0] ?? a.name,
            value: a.occupancy,
            target: cap,
            text: `${percent(a.occupancy)}${a.aboveCap ? ' ▲' : ''}`,
            alert: a.aboveCap,
          }))}
        />
      </figure>
      <table className="figures advisor-table">
        <caption>Choose an advisor to see the work they hold</caption>
        <thead>
          <tr>
            <th scope="col">Advisor</th>
            <th scope="col">State</th>
            <th scope="col">Holding now</th>
            <th scope="col">Occupancy, last hour</th>
            <th scope="col">By 5 minutes</th>
          </tr>
        </thead>
        <tbody>
          {states.advisors.map((a) => (
            <tr key={a.id} data-advisor={a.id} className={a.aboveCap ? 'above-cap' : undefined}>
              <th scope="row">
                <button
                  type="button"
                  aria-expanded={drill === a.id}
                  onClick={() => setDrill(drill === a.id ? null : a.id)}
                >
                  {a.name}
                </button>
              </th>
              <td>
                <span className={`presence-dot pr-${a.presence}`} aria-hidden="true" />
                {presenceNames[a.presence] ?? a.presence}
                {a.presenceSince && (
                  <small>
                    {' '}
                    for {duration(Date.parse(states.at) - Date.parse(a.presenceSince))}
                  </small>
                )}
              </td>
              <td>{loadText(a)}</td>
              <td data-testid={`occupancy-${a.id}`}>
                {percent(a.occupancy)}
                {a.aboveCap && <strong className="late cap-flag"> above cap</strong>}
              </td>
              <td>
                <Sparkline values={a.occupancySeries} label={`${a.name} occupancy`} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {drill !== null && <AdvisorDrill advisorId={drill} />}
    </section>
  );
}

/** One advisor's current items, with links to each case. */
function AdvisorDrill({ advisorId }: { advisorId: number }) {
  const [detail, setDetail] = useState<(AdvisorStateView & { items: HeldWork[] }) | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    api<AdvisorStateView & { items: HeldWork[] }>(`/api/routing/advisors/${advisorId}`).then(
      (d) => {
        setDetail(d);
        setError(null);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, [advisorId]);
  useEffect(load, [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('work-item.') || event.type === 'presence.changed',
    load,
    300,
  );
  if (error) return <p role="alert">{error}</p>;
  if (!detail) return <p>Loading…</p>;
  return (
    <section className="drill" aria-labelledby="advisor-drill-title">
      <h2 id="advisor-drill-title">Work held by {detail.name}</h2>
      <AdvisorActions key={detail.id} advisor={detail} onChanged={load} />
      {detail.items.length === 0 ? (
        <p>{detail.name} holds no work now.</p>
      ) : (
        <ol>
          {detail.items.map((i) => (
            <li key={i.id}>
              <span className={`channel ch-${i.channel}`}>
                {channelNames[i.channel] ?? i.channel}
              </span>{' '}
              <a
                href={href(`/c/${i.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${i.conversationId}`)}
              >
                {i.customerName} — {i.subject}
              </a>{' '}
              <small>
                {i.status === 'offered' ? 'offered' : 'in hand'} for{' '}
                {duration(Date.now() - Date.parse(i.since))}
              </small>{' '}
              <ReassignCase
                conversationId={i.conversationId}
                label={`${i.customerName} — ${i.subject}`}
                onDone={load}
              />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
