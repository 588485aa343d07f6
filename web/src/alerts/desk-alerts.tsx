import { useEffect, useRef, useState } from 'react';
import { useLiveEvents } from '../live.ts';
import { useLocation } from '../router.ts';
import { useSession } from '../app.tsx';
import { useRoutingMe } from '../routing/use-routing-me.ts';
import { forgetAlertSettings, useAlertSettings } from './personal-settings.ts';
import { playAlertTone, unlockAlertSound } from './alert-sound.ts';

const baseTitle = 'Rapport';

/** Whether the person is looking at this tab right now. */
const looking = () => document.visibilityState === 'visible' && document.hasFocus();

/** A desktop notification, when the advisor allowed it and is not looking at the tab. */
function notify(title: string, body: string, tag: string): void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted' || looking())
    return;
  const notification = new Notification(title, { body, tag });
  notification.onclick = () => {
    window.focus();
    notification.close();
  };
}

/** The tab's title with what waits for me: "(3) Rapport". */
export function titleWith(count: number): string {
  return count > 0 ? `(${count}) ${baseTitle}` : baseTitle;
}

/**
 * Alerts for offers of work and for new messages on my cases, each by sound, desktop notification
 * and the count in the tab's title, as my personal settings say. A case's messages stop counting
 * once I open it; an offer counts while it is offered to me.
 */
export function DeskAlerts() {
  const { me } = useSession();
  const settings = useAlertSettings();
  const { me: routing } = useRoutingMe();
  const { path } = useLocation();
  const [unread, setUnread] = useState<ReadonlyMap<number, number>>(new Map());
  const offered = (routing?.items ?? []).filter((i) => i.status === 'offered');
  const known = useRef<Set<number> | null>(null);
  const openCase = /^\/c\/(\d+)$/.exec(path);
  const openId = openCase ? Number(openCase[1]) : null;

  useEffect(() => unlockAlertSound(), []);
  useEffect(() => () => forgetAlertSettings(), []);

  // A new offer: the tone and the notification once (the count follows the list itself).
  useEffect(() => {
    if (!routing) return;
    const ids = new Set(offered.map((i) => i.id));
    const before = known.current;
    known.current = ids;
    // The first list of the tab is not news.
    if (before === null) return;
    for (const item of offered) {
      if (before.has(item.id)) continue;
      if (settings.offers.sound) playAlertTone('offer');
      if (settings.offers.desktop)
        notify('New work for you', `${item.customerName}: ${item.subject}`, `offer-${item.id}`);
    }
  }, [routing]);

  useLiveEvents((event) => {
    if (event.type !== 'interaction.received' || event.scope.ownerId !== me.id) return;
    const after = (event.after ?? {}) as { automated?: boolean; text?: string };
    const conversationId = event.scope.conversationId;
    if (after.automated || typeof conversationId !== 'number') return;
    // The case is open in front of me: I see the message arrive.
    if (conversationId === openId && looking()) return;
    setUnread((u) => new Map(u).set(conversationId, (u.get(conversationId) ?? 0) + 1));
    if (settings.messages.sound) playAlertTone('message');
    if (settings.messages.desktop)
      notify(`New message on case #${conversationId}`, after.text ?? '', `case-${conversationId}`);
  });

  // Opening a case, or coming back to the tab where it is open, reads its news.
  useEffect(() => {
    if (openId === null) return;
    const read = () =>
      setUnread((u) => {
        if (!u.has(openId) || !looking()) return u;
        const next = new Map(u);
        next.delete(openId);
        return next;
      });
    read();
    window.addEventListener('focus', read);
    document.addEventListener('visibilitychange', read);
    return () => {
      window.removeEventListener('focus', read);
      document.removeEventListener('visibilitychange', read);
    };
  }, [openId]);

  const messages = [...unread.values()].reduce((sum, n) => sum + n, 0);
  const count =
    (settings.offers.title ? offered.length : 0) + (settings.messages.title ? messages : 0);
  useEffect(() => {
    document.title = titleWith(count);
  }, [count]);
  useEffect(
    () => () => {
      document.title = baseTitle;
    },
    [],
  );
  return null;
}
