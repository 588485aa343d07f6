import { useEffect } from 'react';
import { WorkList } from './work-list.tsx';
import { ConversationView } from './conversation-view.tsx';
import { ChatStrip } from './chat-strip.tsx';
import { CaseActions } from './case-actions.tsx';
import { useLiveEvents } from '../live.ts';
import { markCaseRead } from './read-state.ts';

/** The advisor's desk: the work list beside the open case. */
export function DeskScreen({ conversationId }: { conversationId: number | null }) {
  // Opening a case reads it; so does the customer writing while I have it open.
  useEffect(() => {
    if (conversationId) markCaseRead(conversationId).catch(() => undefined);
  }, [conversationId]);
  useLiveEvents((event) => {
    if (
      conversationId &&
      event.type === 'interaction.received' &&
      event.scope.conversationId === conversationId
    )
      markCaseRead(conversationId).catch(() => undefined);
  });
  return (
    <div className="desk">
      <WorkList selectedId={conversationId} />
      {conversationId ? (
        <div className="case-column">
          <ChatStrip currentId={conversationId} />
          <CaseActions key={`actions-${conversationId}`} conversationId={conversationId} />
          <ConversationView key={conversationId} conversationId={conversationId} />
        </div>
      ) : (
        <section className="placeholder">
          <p>
            Open a case from the list, or press <kbd>j</kbd> for the first one. Press <kbd>?</kbd>{' '}
            for every shortcut.
          </p>
        </section>
      )}
    </div>
  );
}
