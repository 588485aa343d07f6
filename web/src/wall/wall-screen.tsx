import { useCallback, useEffect, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { followLink, href } from '../router.ts';
import { channelNames, duration, percent } from '../format.ts';
import type { ChannelFigures, Wall, WaitingCase } from '../types.ts';
import { BarChart, ParityDial, Sparkline } from './charts.tsx';
import { AdvisorsPanel } from './advisors-panel.tsx';
import { CallbacksPanel } from './callbacks-panel.tsx';
import { WaitingWorkPanel } from './waiting-work-panel.tsx';
import { ShopFiguresPanel } from './shop-figures-panel.tsx';

/** The supervisor's wall: every channel measured the same way, live. */
export function WallScreen() {
  const [wall, setWall] = useState<Wall | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [drill, setDrill] = useState<string | null>(null);

  const load = useCallback(() => {
    // "Today" is the centre's day (RAPPORT_TIME_ZONE), the same for every supervisor.
    api<Wall>('/api/insights/wall').then(
      (w) => {
        setWall(w);
        setError(null);
      },
      (e: unknown) => setError(messageOf(e)),
    );
  }, []);
  useEffect(() => {
    load();
    // Waits grow and thresholds pass even when nothing happens.
    const timer = window.setInterval(load, 15_000);
    return () => window.clearInterval(timer);
  }, [load]);
  useLiveRefresh(
    (event) =>
      event.type.startsWith('interaction.') ||
      event.type.startsWith('conversation.') ||
      event.type.startsWith('work-item.') ||
      event.type === 'service-level.changed' ||
      event.type === 'presence.changed' ||
      event.type.startsWith('channel-account.mailbox-'),
    load,
    400,
  );

  if (error && !wall) return <p role="alert">{error}</p>;
  if (!wall) return <p>Loading the wall…</p>;
  const maxWaiting = Math.max(1, ...wall.channels.map((c) => c.waiting));
  return (
    <div className="wall">
      <header className="wall-head">
        <h1>Service today, every channel</h1>
        <p>
          Since {new Date(wall.dayStart).toLocaleString(undefined, { timeZone: wall.timeZone })} (
          {wall.timeZone}) · updated{' '}
          <time dateTime={wall.at}>{new Date(wall.at).toLocaleTimeString()}</time>
        </p>
      </header>
      {wall.disconnectedMailboxes.length > 0 && (
        <ul className="wall-alerts" role="alert" data-testid="disconnected-mailboxes">
          {wall.disconnectedMailboxes.map((m) => (
            <li key={m.accountId} title={m.reason ?? undefined}>
              Mailbox {m.address} disconnected since {new Date(m.since).toLocaleString()}
              {m.reason ? ` (${m.reason})` : ''}
            </li>
          ))}
        </ul>
      )}
      <section className="parity" aria-labelledby="parity-title">
        <h2 id="parity-title">Parity index</h2>
        <ParityDial value={wall.parityIndex} />
        <p data-testid="parity">
          {wall.parityIndex === null
            ? 'Measured once two channels have answered or missed a wait today.'
            : `Lowest service level (${channelNames[wall.lowestChannel ?? ''] ?? '—'}) ÷ highest (${channelNames[wall.highestChannel ?? ''] ?? '—'}): 1 means every channel is served alike.`}
        </p>
      </section>
      <section className="charts" aria-label="Charts">
        <figure>
          <figcaption>Service level today against target</figcaption>
          <BarChart
            title="Service level today"
            max={1}
            bars={wall.channels.map((c) => ({
              label: channelNames[c.channel] ?? c.channel,
              value: c.serviceLevel,
              target: c.policy.targetFraction,
              text: percent(c.serviceLevel),
            }))}
          />
        </figure>
        <figure>
          <figcaption>Waiting now (dark: past the threshold)</figcaption>
          <BarChart
            title="Waiting now"
            max={maxWaiting}
            bars={wall.channels.map((c) => ({
              label: channelNames[c.channel] ?? c.channel,
              value: c.waiting,
              part: c.overThreshold,
              text: String(c.waiting),
            }))}
          />
        </figure>
      </section>
      <table className="figures">
        <caption>Per channel — choose one to see who waits</caption>
        <thead>
          <tr>
            <th scope="col">Channel</th>
            <th scope="col">Waiting</th>
            <th scope="col">Longest wait</th>
            <th scope="col">Service level today</th>
            <th scope="col">Average speed of answer</th>
            <th scope="col">Contacts by hour</th>
          </tr>
        </thead>
        <tbody>
          {wall.channels.map((c) => (
            <ChannelRow
              key={c.channel}
              figures={c}
              open={drill === c.channel}
              onOpen={() => setDrill(drill === c.channel ? null : c.channel)}
            />
          ))}
        </tbody>
      </table>
      {drill && <WaitingOn channel={drill} />}
      <WaitingWorkPanel wall={wall} />
      <CallbacksPanel callbacks={wall.callbacks} />
      <AdvisorsPanel />
      <ShopFiguresPanel />
    </div>
  );
}

function ChannelRow({
  figures: c,
  open,
  onOpen,
}: {
  figures: ChannelFigures;
  open: boolean;
  onOpen: () => void;
}) {
  const name = channelNames[c.channel] ?? c.channel;
  const below = c.serviceLevel !== null && c.serviceLevel < c.policy.targetFraction;
  return (
    <tr data-channel={c.channel}>
      <th scope="row">
        <button type="button" aria-expanded={open} onClick={onOpen}>
          {name}
        </button>
      </th>
      <td data-testid={`waiting-${c.channel}`}>
        {c.waiting}
        {c.overThreshold > 0 && <span className="late"> ({c.overThreshold} late)</span>}
      </td>
      <td>{c.longestWaitMs === null ? '—' : duration(c.longestWaitMs)}</td>
      <td className={below ? 'late' : undefined}>
        {percent(c.serviceLevel)}{' '}
        <small>
          target {percent(c.policy.targetFraction)} in {duration(c.policy.thresholdMs)} · {c.met}/
          {c.judged}
        </small>
      </td>
      <td>{c.averageSpeedOfAnswerMs === null ? '—' : duration(c.averageSpeedOfAnswerMs)}</td>
      <td>
        <Sparkline values={c.arrivalsByHour} label={`${name} contacts`} />
      </td>
    </tr>
  );
}

function WaitingOn({ channel }: { channel: string }) {
  const [items, setItems] = useState<WaitingCase[] | null>(null);
  const load = useCallback(() => {
    api<{ items: WaitingCase[] }>(
      `/api/desk/work${query({ view: 'waiting', channel, limit: 50 })}`,
    ).then(
      (r) => setItems(r.items),
      () => setItems([]),
    );
  }, [channel]);
  useEffect(load, [load]);
  useLiveRefresh(
    (event) => event.type.startsWith('interaction.') || event.type.startsWith('conversation.'),
    load,
    400,
  );
  return (
    <section className="drill" aria-labelledby="drill-title">
      <h2 id="drill-title">Waiting on {channelNames[channel] ?? channel}</h2>
      {items === null ? (
        <p>Loading…</p>
      ) : items.length === 0 ? (
        <p>Nobody waits on this channel.</p>
      ) : (
        <ol>
          {items.map((i) => (
            <li key={i.conversationId}>
              <a
                href={href(`/c/${i.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${i.conversationId}`)}
              >
                {i.customerName} — {i.subject}
              </a>{' '}
              <small>
                waiting {i.waitingSince ? duration(Date.now() - Date.parse(i.waitingSince)) : ''}
              </small>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
