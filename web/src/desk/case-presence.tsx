import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { useLiveEvents } from '../live.ts';
import type { CasePresence, CasePresenceChange } from '../../../src/api-types/collision.ts';

/** A colleague on the case, with when their entry and their typing end on this browser's clock. */
interface Colleague {
  readonly advisorId: number;
  readonly name: string;
  readonly until: number;
  readonly typingUntil: number;
}

/** The desk says it is on the case this often; the server keeps an entry for 30 s. */
const heartbeatMs = 10_000;
/** While typing, "typing" is said again at most this often. */
const typingEveryMs = 3_000;

const colleagueOf = (p: CasePresence, now: number): Colleague => ({
  advisorId: p.advisorId,
  name: p.name,
  until: now + p.expiresInMs,
  typingUntil: p.typingForMs > 0 ? now + p.typingForMs : 0,
});

/** Says the advisor left the case, even while the page is going away. */
function leave(conversationId: number): void {
  void fetch(`/api/conversations/${conversationId}/presence`, {
    method: 'DELETE',
    credentials: 'same-origin',
    keepalive: true,
  }).catch(() => undefined);
}

/**
 * Who else is on this case, live: says I am here (every 10 s, and "typing" as I type), hears the
 * others' `case.presence` events, and drops an entry whose browser stopped saying it is here.
 */
export function useCasePresence(
  conversationId: number,
  myId: number,
): { others: Colleague[]; typed: (text: string) => void } {
  const [colleagues, setColleagues] = useState<ReadonlyMap<number, Colleague>>(new Map());
  const [, setTick] = useState(0);
  const typingSaid = useRef(0);

  const take = useCallback(
    (items: CasePresence[]) => {
      const at = Date.now();
      const others = items.filter((p) => p.advisorId !== myId);
      // Alone on the case, as most of the time: nothing changes, nothing renders again.
      setColleagues((c) =>
        others.length === 0 && c.size === 0
          ? c
          : new Map(others.map((p) => [p.advisorId, colleagueOf(p, at)])),
      );
    },
    [myId],
  );
  const say = useCallback(
    (typing: boolean) =>
      api<{ items: CasePresence[] }>(`/api/conversations/${conversationId}/presence`, {
        method: 'PUT',
        body: { typing },
      }).then(
        (r) => take(r.items),
        () => undefined,
      ),
    [conversationId, take],
  );

  useEffect(() => {
    setColleagues(new Map());
    typingSaid.current = 0;
    void say(false);
    const beat = window.setInterval(
      () => void say(Date.now() - typingSaid.current < typingEveryMs),
      heartbeatMs,
    );
    const gone = () => leave(conversationId);
    window.addEventListener('pagehide', gone);
    return () => {
      window.clearInterval(beat);
      window.removeEventListener('pagehide', gone);
      leave(conversationId);
    };
  }, [conversationId, say]);

  useLiveEvents((event) => {
    // Back from a lost connection: say it again, which answers who is here now.
    if (event.type === 'live.resumed') return void say(false);
    if (event.type !== 'case.presence' || event.scope.conversationId !== conversationId) return;
    const change = event.after as CasePresenceChange;
    if (change.advisorId === myId) return;
    setColleagues((c) => {
      const next = new Map(c);
      if (change.present) next.set(change.advisorId, colleagueOf(change, Date.now()));
      else next.delete(change.advisorId);
      return next;
    });
  });

  // While someone is shown, a second's tick lets typing fade and a gone browser drop out.
  useEffect(() => {
    if (colleagues.size === 0) return;
    const tick = window.setInterval(() => setTick((t) => t + 1), 1_000);
    return () => window.clearInterval(tick);
  }, [colleagues.size]);

  const typed = useCallback(
    (text: string) => {
      // The reply was sent or cleared: no longer typing, said at once.
      if (!text.trim()) {
        if (typingSaid.current === 0) return;
        typingSaid.current = 0;
        return void say(false);
      }
      if (Date.now() - typingSaid.current < typingEveryMs) return;
      typingSaid.current = Date.now();
      void say(true);
    },
    [say],
  );
  const now = Date.now();
  const others = [...colleagues.values()].filter((c) => c.until > now);
  return {
    others: others.map((c) => ({ ...c, typingUntil: c.typingUntil > now ? c.typingUntil : 0 })),
    typed,
  };
}

/** "Samira is typing a reply… · Jonas is viewing this case": shown above the case's actions. */
export function PresenceBar({ others }: { others: Colleague[] }) {
  if (others.length === 0) return null;
  return (
    <p className="case-presence" role="status" aria-label="Also on this case">
      {others.map((c, index) => (
        <span key={c.advisorId} className={c.typingUntil > 0 ? 'typing' : 'viewing'}>
          {index > 0 && ' · '}
          <strong>{c.name}</strong>{' '}
          {c.typingUntil > 0 ? 'is typing a reply…' : 'is viewing this case'}
        </span>
      ))}
    </p>
  );
}
