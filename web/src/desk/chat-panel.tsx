import { useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { useLiveEvents } from '../live.ts';
import { clockTime, deliveryNames } from '../format.ts';
import { useNameOf } from '../app.tsx';
import type { Interaction, LiveEvent } from '../types.ts';
import type { ChatState, VisitedPage } from '../../../src/api-types/chat.ts';
import { AttachmentLinks } from './timeline.tsx';

/** The desk's chat routes (src/channels/chat/): live state, typing, read marks, transcript. */
export const chatApi = {
  state: (id: number) => `/api/conversations/${id}/chat`,
  typing: (id: number) => `/api/conversations/${id}/typing`,
  read: (id: number) => `/api/conversations/${id}/read`,
  transcript: (id: number) => `/api/conversations/${id}/transcript`,
} as const;

/** How long a visitor's "typing" lasts without a word from the widget (a lost "stopped" frame). */
const typingFadeMs = 8_000;
/** The advisor's typing is sent at most this often while they type… */
const typingEveryMs = 3_000;
/** …and "stopped" this long after their last keystroke. */
const typingIdleMs = 4_000;

const afterOf = (event: LiveEvent): Record<string, unknown> =>
  event.after !== null && typeof event.after === 'object'
    ? (event.after as Record<string, unknown>)
    : {};

/** Only web addresses become links: a visitor's page could claim any scheme. */
function safeUrl(url: string): string | null {
  return /^https?:\/\//i.test(url) ? url : null;
}

/**
 * The advisor's side of typing: call it with the composer's text on every change; it tells the
 * visitor "typing" at most every 3 s while the text grows, and "stopped" after 4 s of quiet, on
 * sending (empty text) or on leaving the case.
 */
export function useAdvisorTyping(conversationId: number, enabled: boolean): (text: string) => void {
  const lastSent = useRef(0);
  const idle = useRef<number | undefined>(undefined);
  const typing = useRef(false);
  const send = useCallback(
    (value: boolean) => {
      typing.current = value;
      void api(chatApi.typing(conversationId), {
        method: 'POST',
        body: { typing: value },
      }).catch(() => undefined);
    },
    [conversationId],
  );
  useEffect(
    () => () => {
      window.clearTimeout(idle.current);
      if (typing.current) send(false);
    },
    [send],
  );
  return useCallback(
    (text: string) => {
      if (!enabled) return;
      window.clearTimeout(idle.current);
      if (text.trim() === '') {
        if (typing.current) send(false);
        return;
      }
      const now = Date.now();
      if (!typing.current || now - lastSent.current > typingEveryMs) {
        lastSent.current = now;
        send(true);
      }
      idle.current = window.setTimeout(() => send(false), typingIdleMs);
    },
    [enabled, send],
  );
}

/**
 * A chat case, live: the conversation as chat bubbles with what the visitor has read, whether they
 * are online and typing, the page they are on and the trail (with searches) that led there, and
 * the transcript by email. Marks the visitor's messages read while the advisor has it in view.
 */
export function ChatPanel({
  conversationId,
  timeline,
  hasEmail,
  onAnswerByEmail,
}: {
  conversationId: number;
  timeline: readonly Interaction[];
  /** The customer has an email address: the transcript and an email answer are possible. */
  hasEmail: boolean;
  onAnswerByEmail: () => void;
}) {
  const nameOf = useNameOf();
  const [state, setState] = useState<ChatState | null>(null);
  const [unavailable, setUnavailable] = useState<string | null>(null);
  const [typingUntil, setTypingUntil] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [, tick] = useState(0);
  const readSent = useRef(0);
  const end = useRef<HTMLLIElement>(null);

  const load = useCallback(async () => {
    try {
      const loaded = await api<ChatState>(chatApi.state(conversationId));
      setState(loaded);
      setTypingUntil(loaded.typing ? Date.now() + typingFadeMs : 0);
      setUnavailable(null);
    } catch (e) {
      setUnavailable(messageOf(e));
    }
  }, [conversationId]);
  useEffect(() => void load(), [load]);

  useLiveEvents((event) => {
    if (event.type === 'live.resumed') return void load();
    if (event.scope.conversationId !== conversationId || !event.type.startsWith('chat.')) return;
    const after = afterOf(event);
    if (event.type === 'chat.typing') {
      setTypingUntil(after.typing === true ? Date.now() + typingFadeMs : 0);
      return;
    }
    setState((s) => {
      if (!s) return s;
      if (event.type === 'chat.read' && typeof after.upTo === 'number')
        return { ...s, visitorReadUpTo: Math.max(s.visitorReadUpTo, after.upTo) };
      if (event.type === 'chat.presence' && typeof after.online === 'boolean')
        return { ...s, online: after.online, typing: after.online ? s.typing : false };
      if (event.type === 'chat.page' && after.page && typeof after.page === 'object')
        return { ...s, pages: [after.page as VisitedPage, ...s.pages].slice(0, 50) };
      return s;
    });
    if (event.type === 'chat.presence' && after.online === false) setTypingUntil(0);
  });

  // The typing mark fades by itself when the widget's "stopped" never came.
  useEffect(() => {
    if (typingUntil <= Date.now()) return;
    const timer = window.setTimeout(() => tick((n) => n + 1), typingUntil - Date.now() + 50);
    return () => window.clearTimeout(timer);
  }, [typingUntil]);

  const messages = timeline
    .filter((i) => i.conversationId === conversationId && i.channel === 'chat')
    .sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || a.id - b.id);
  const lastFromVisitor = messages.filter((m) => m.direction === 'inbound').at(-1)?.id ?? 0;

  // Seen by the advisor: the newest visitor message, whenever the case is on screen.
  useEffect(() => {
    const markRead = () => {
      if (document.visibilityState !== 'visible' || !state) return;
      const upTo = lastFromVisitor;
      if (upTo <= Math.max(state.advisorReadUpTo, readSent.current)) return;
      readSent.current = upTo;
      void api(chatApi.read(conversationId), { method: 'POST', body: { upTo } }).catch(
        () => (readSent.current = 0),
      );
    };
    markRead();
    document.addEventListener('visibilitychange', markRead);
    return () => document.removeEventListener('visibilitychange', markRead);
  }, [conversationId, lastFromVisitor, state]);

  // Braces: a browser's scrollIntoView may answer a promise, which an effect must not return.
  useEffect(() => {
    end.current?.scrollIntoView({ block: 'nearest' });
  }, [messages.length]);

  const emailTranscript = async () => {
    setNotice(null);
    try {
      await api(chatApi.transcript(conversationId), { method: 'POST', body: {} });
      setNotice('The transcript is on its way to the customer by email.');
    } catch (e) {
      setNotice(messageOf(e));
    }
  };

  const typing = typingUntil > Date.now();
  const pages = [...(state?.pages ?? [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
  const current = state?.online ? pages[0] : undefined;
  const searches = [...new Set(pages.flatMap((p) => (p.search ? [p.search] : [])))];
  const lastOurs = messages.filter((m) => m.direction === 'outbound').at(-1);
  const readState = (m: Interaction): string =>
    state && m.id <= state.visitorReadUpTo
      ? 'seen'
      : (deliveryNames[m.deliveryState] ?? m.deliveryState);

  return (
    <section className="chat-panel" aria-labelledby="chat-title" data-testid="chat-panel">
      <header className="chat-head">
        <h2 id="chat-title">Live chat</h2>
        {state && (
          <span
            className={`visitor-presence ${state.online ? 'online' : 'offline'}`}
            data-testid="visitor-presence"
          >
            {state.online ? 'Visitor online' : 'Visitor offline'}
          </span>
        )}
        {state?.verified && <span className="verified">signed in on the website</span>}
        <span className="chat-actions">
          {state && !state.online && hasEmail && (
            <button type="button" onClick={onAnswerByEmail}>
              Answer by email
            </button>
          )}
          <button type="button" onClick={() => void emailTranscript()} disabled={!hasEmail}>
            Email transcript
          </button>
        </span>
      </header>
      {unavailable && <p className="warning">Live state unavailable: {unavailable}</p>}
      <p role="status" className="notice">
        {notice}
      </p>
      <div className="chat-body">
        <ol className="chat-log" aria-label="Chat messages">
          {messages.map((m) => (
            <li
              key={m.id}
              className={`bubble ${m.direction === 'inbound' ? 'theirs' : 'ours'}`}
              data-interaction={m.id}
            >
              <span className="who">
                {m.direction === 'inbound'
                  ? 'Visitor'
                  : m.author.type === 'advisor'
                    ? nameOf(m.author.id)
                    : 'Rapport'}{' '}
                <time dateTime={m.createdAt}>{clockTime(m.createdAt)}</time>
              </span>
              <p className="text">{m.text}</p>
              <AttachmentLinks attachments={m.attachments} label="Files" />
              {m === lastOurs && (
                <span className="read-state" data-testid="read-state">
                  {readState(m)}
                </span>
              )}
            </li>
          ))}
          <li ref={end} className="typing-line" aria-live="polite" data-testid="visitor-typing">
            {typing ? 'The visitor is typing…' : ''}
          </li>
        </ol>
        <aside className="visitor-trail" aria-labelledby="trail-title">
          <h3 id="trail-title">Where the visitor is</h3>
          {current ? (
            <p className="current-page" data-testid="current-page">
              Now on <PageLink page={current} />
            </p>
          ) : (
            <p className="muted">{state?.online ? 'No page known yet.' : 'Not on the site now.'}</p>
          )}
          {searches.length > 0 && (
            <>
              <h4>Searched for</h4>
              <ul className="searches" data-testid="searches">
                {searches.map((search) => (
                  <li key={search}>“{search}”</li>
                ))}
              </ul>
            </>
          )}
          {pages.length > 0 && (
            <>
              <h4>Pages before</h4>
              <ol className="trail" data-testid="page-trail">
                {pages.map((p, i) => (
                  <li key={i}>
                    <PageLink page={p} /> <time dateTime={p.at}>{clockTime(p.at)}</time>
                  </li>
                ))}
              </ol>
            </>
          )}
        </aside>
      </div>
    </section>
  );
}

/** A visited page: its title as a link (web addresses only), its address underneath. */
function PageLink({ page }: { page: VisitedPage }) {
  const url = safeUrl(page.url);
  const title = page.title.trim() || page.url;
  return url ? (
    <a href={url} target="_blank" rel="noopener noreferrer nofollow" title={page.url}>
      {title}
    </a>
  ) : (
    <span title={page.url}>{title}</span>
  );
}
