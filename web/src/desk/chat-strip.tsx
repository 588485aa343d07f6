import { useEffect, useState } from 'react';
import { followLink, href, navigate } from '../router.ts';
import { useLiveEvents } from '../live.ts';
import { useRoutingMe } from '../routing/use-routing-me.ts';

/**
 * The chats I hold, side by side above the open case: one click (or Alt+1…9) to switch, a mark on
 * each with visitor messages I have not looked at, a typing dot, and how many of my chat slots are
 * in use. Shown only while I hold at least one chat.
 */
export function ChatStrip({ currentId }: { currentId: number | null }) {
  const { me } = useRoutingMe();
  const chats = (me?.items ?? []).filter((i) => i.channel === 'chat' && i.status === 'assigned');
  const [unread, setUnread] = useState<Record<number, number>>({});
  const [typing, setTyping] = useState<Record<number, boolean>>({});

  useLiveEvents((event) => {
    const id = event.scope.conversationId;
    if (typeof id !== 'number' || !chats.some((c) => c.conversationId === id)) return;
    const after = (event.after ?? {}) as { typing?: unknown; kind?: unknown };
    if (event.type === 'interaction.received' && id !== currentId)
      setUnread((u) => ({ ...u, [id]: (u[id] ?? 0) + 1 }));
    if (event.type === 'chat.typing') setTyping((t) => ({ ...t, [id]: after.typing === true }));
    if (event.type === 'interaction.received') setTyping((t) => ({ ...t, [id]: false }));
  });

  useEffect(() => {
    if (currentId !== null) setUnread((u) => (u[currentId] ? { ...u, [currentId]: 0 } : u));
  }, [currentId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const n = Number(e.key);
      const target = Number.isInteger(n) && n >= 1 ? chats[n - 1] : undefined;
      if (!target) return;
      e.preventDefault();
      navigate(`/c/${target.conversationId}`);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [chats]);

  if (chats.length === 0) return null;
  const capacity = me?.capacity?.chat;
  return (
    <nav className="chat-strip" aria-label="My open chats" data-testid="chat-strip">
      <span className="chat-load">
        Chats {chats.length}
        {capacity !== undefined ? ` of ${capacity}` : ''}
      </span>
      <ul>
        {chats.map((chat, index) => {
          const count = unread[chat.conversationId] ?? 0;
          const open = chat.conversationId === currentId;
          return (
            <li key={chat.id}>
              <a
                href={href(`/c/${chat.conversationId}`)}
                onClick={(e) => followLink(e, `/c/${chat.conversationId}`)}
                aria-current={open ? 'page' : undefined}
                className={`chat-tab ${open ? 'open' : ''} ${count > 0 ? 'unread' : ''}`}
                title={`${chat.subject} (Alt+${index + 1})`}
              >
                {chat.customerName}
                {typing[chat.conversationId] && (
                  <span className="typing-dot" aria-label="typing">
                    …
                  </span>
                )}
                {count > 0 && (
                  <span className="unread-mark" aria-label={`${count} unread`}>
                    {count}
                  </span>
                )}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
