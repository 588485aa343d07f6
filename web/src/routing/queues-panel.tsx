import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { channelNames, duration } from '../format.ts';
import { routingApi, type QueueFigures } from './routing-api.ts';
import { waitReasonWords } from './wait-reason.ts';

/** The routing engine's queues I serve: who waits, for how long, and the honest estimate. */
export function QueuesPanel() {
  const [channels, setChannels] = useState<QueueFigures[] | null>(null);
  const load = useCallback(() => {
    api<{ channels: QueueFigures[] }>(routingApi.queues).then(
      (r) => setChannels(r.channels),
      () => setChannels(null),
    );
  }, []);
  useEffect(() => {
    load();
    const timer = window.setInterval(load, 15_000);
    return () => window.clearInterval(timer);
  }, [load]);
  useLiveRefresh(
    (event) =>
      event.type.startsWith('work-item.') ||
      event.type === 'presence.changed' ||
      event.type === 'capacity.changed',
    load,
    500,
  );
  if (!channels) return null;
  const busy = channels.filter((c) => c.waiting > 0);
  return (
    <details className="queues">
      <summary>
        Queues:{' '}
        {busy.length === 0
          ? 'nobody queued'
          : busy.map((c) => `${channelNames[c.channel] ?? c.channel} ${c.waiting}`).join(' · ')}
      </summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Queue</th>
            <th scope="col">Waiting</th>
            <th scope="col">Longest</th>
            <th scope="col">Estimate</th>
            <th scope="col">Why it waits</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c) => (
            <tr key={c.channel}>
              <th scope="row">{channelNames[c.channel] ?? c.channel}</th>
              <td>{c.waiting}</td>
              <td>{c.waiting > 0 ? duration(c.longestWaitMs) : '—'}</td>
              <td>
                {c.estimatedWaitMs === null ? 'nobody on shift' : duration(c.estimatedWaitMs)}
                {c.offerCallback && <small> · offer callback</small>}
              </td>
              <td data-testid={`why-${c.channel}`}>{c.why ? waitReasonWords(c.why) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
