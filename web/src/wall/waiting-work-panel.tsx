import { followLink, href } from '../router.ts';
import { channelNames, duration } from '../format.ts';
import type { Wall } from '../types.ts';
import { waitReasonWords } from '../routing/wait-reason.ts';

/** The first in line and why each still waits, and the declines routing respects right now. */
export function WaitingWorkPanel({ wall }: { wall: Wall }) {
  const waiting = wall.waitingWork ?? [];
  const declines = wall.declines ?? [];
  const at = (iso: string) =>
    new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  return (
    <section className="wall-waiting-work" aria-labelledby="wall-why-title">
      <h2 id="wall-why-title">Why work waits</h2>
      {waiting.length === 0 ? (
        <p>Nothing waits for an advisor.</p>
      ) : (
        <ol data-testid="waiting-work">
          {waiting.map((w) => (
            <li key={w.workItemId}>
              <a
                href={href(`/c/${w.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${w.conversationId}`)}
              >
                {w.customerName}
              </a>{' '}
              <small>
                {channelNames[w.channel] ?? w.channel} · waiting {duration(w.waitMs)}
              </small>{' '}
              — {waitReasonWords(w.why)}
            </li>
          ))}
        </ol>
      )}
      <h3>Declined offers</h3>
      {declines.length === 0 ? (
        <p>No declines being respected now.</p>
      ) : (
        <ul data-testid="declines">
          {declines.map((d) => (
            <li key={`${d.workItemId}-${d.advisorName}`}>
              {d.advisorName} declined{' '}
              <a
                href={href(`/c/${d.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${d.conversationId}`)}
              >
                {d.customerName}
              </a>{' '}
              at {at(d.declinedAt)}; not offered to them again before {at(d.until)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
