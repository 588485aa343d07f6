import { followLink, href } from '../router.ts';
import { channelNames } from '../format.ts';
import { useRoutingMe } from './use-routing-me.ts';

/** The work routing assigned to me, above the lists. */
export function MyRoutedWork() {
  const { me } = useRoutingMe();
  const assigned = me?.items.filter((i) => i.status === 'assigned') ?? [];
  if (assigned.length === 0) return null;
  return (
    <section className="routed" aria-labelledby="routed-title">
      <h2 id="routed-title">Assigned to me ({assigned.length})</h2>
      <ul>
        {assigned.map((i) => (
          <li key={i.id}>
            <a
              href={href(`/c/${i.conversationId}`)}
              onClick={(e) => followLink(e, `/c/${i.conversationId}`)}
            >
              <span className={`channel ch-${i.channel}`}>
                {channelNames[i.channel] ?? i.channel}
              </span>{' '}
              {i.customerName} — {i.subject}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
