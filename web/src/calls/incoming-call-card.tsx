import { useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { navigate } from '../router.ts';
import type { Conversation, Customer, Interaction } from '../types.ts';
import { Timeline } from '../desk/timeline.tsx';
import { loadCustomerStory } from '../desk/conversation-view.tsx';
import type { RoutedItem } from '../routing/routing-api.ts';
import './calls.css';

/**
 * A call offered to me (or put through to my line): who is calling and their whole timeline, every
 * channel, before I answer. An offer has Accept / Decline; a call put through has "Open the case".
 */
export function IncomingCallCard({
  item,
  onAnswer,
  onDismiss,
  error,
}: {
  item: RoutedItem;
  /** For an offer: accept (true) or decline (false). */
  onAnswer?: (accept: boolean) => void;
  /** For a call already put through to me. */
  onDismiss?: () => void;
  error: string | null;
}) {
  const [story, setStory] = useState<{ customer: Customer; timeline: Interaction[] } | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    void (async () => {
      try {
        const conversation = await api<Conversation>(`/api/conversations/${item.conversationId}`);
        const loaded = await loadCustomerStory(conversation.customerId);
        if (live) setStory(loaded);
      } catch (e) {
        if (live) setLoadError(messageOf(e));
      }
    })();
    return () => {
      live = false;
    };
  }, [item.conversationId]);
  const title = item.kind === 'callback' ? 'Callback for you' : 'Incoming call';
  const phone = story?.customer.identities.find((i) => i.kind === 'phone')?.value;
  return (
    <aside
      className="incoming-call"
      role="alertdialog"
      aria-label={`New work for you: ${title}`}
      aria-describedby="incoming-call-who"
      data-work-item={item.id}
    >
      <header>
        <h2 id="incoming-call-title">{title}</h2>
        <p id="incoming-call-who">
          <strong>{story?.customer.displayName ?? item.customerName}</strong>
          {phone && <span className="caller-number"> {phone}</span>}
          {item.subject && <span> — {item.subject}</span>}
        </p>
        {error && <p role="alert">{error}</p>}
        <div className="incoming-call-actions">
          {onAnswer ? (
            <>
              <button type="button" className="primary" onClick={() => onAnswer(true)}>
                Accept
              </button>{' '}
              <button type="button" onClick={() => onAnswer(false)}>
                Decline
              </button>
            </>
          ) : (
            <button
              type="button"
              className="primary"
              onClick={() => {
                onDismiss?.();
                navigate(`/c/${item.conversationId}`);
              }}
            >
              Open the case
            </button>
          )}
        </div>
      </header>
      <div className="incoming-call-story">
        {loadError && <p role="alert">{loadError}</p>}
        {story ? (
          <Timeline
            items={story.timeline}
            customer={story.customer}
            currentConversationId={item.conversationId}
            hasOlder={false}
            onOlder={() => undefined}
          />
        ) : (
          !loadError && <p>Loading their story…</p>
        )}
      </div>
    </aside>
  );
}
