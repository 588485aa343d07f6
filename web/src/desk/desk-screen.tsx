import { WorkList } from './work-list.tsx';
import { ConversationView } from './conversation-view.tsx';
import { ChatStrip } from './chat-strip.tsx';

/** The advisor's desk: the work list beside the open case. */
export function DeskScreen({ conversationId }: { conversationId: number | null }) {
  return (
    <div className="desk">
      <WorkList selectedId={conversationId} />
      {conversationId ? (
        <div className="case-column">
          <ChatStrip currentId={conversationId} />
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
