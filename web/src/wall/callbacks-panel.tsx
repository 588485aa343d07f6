import { followLink, href } from '../router.ts';
import { duration } from '../format.ts';
import type { Wall } from '../types.ts';

/** Callbacks waiting now, and their real wait: from when the customer first called, not the request. */
export function CallbacksPanel({ callbacks }: { callbacks: Wall['callbacks'] }) {
  return (
    <section className="wall-callbacks" aria-labelledby="wall-callbacks-title">
      <h2 id="wall-callbacks-title">Callbacks waiting</h2>
      <p data-testid="callbacks-waiting">
        <strong>{callbacks.waiting}</strong> waiting
        {callbacks.longestWaitMs !== null && (
          <> · longest real wait {duration(callbacks.longestWaitMs)}</>
        )}
      </p>
      {callbacks.oldest.length > 0 && (
        <ol>
          {callbacks.oldest.map((c) => (
            <li key={c.workItemId}>
              <a
                href={href(`/c/${c.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${c.conversationId}`)}
              >
                {c.customerName}
              </a>{' '}
              waiting {duration(c.waitMs)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
