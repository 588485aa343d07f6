import { useCallback, useEffect, useRef, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { useShortcut } from '../shortcuts.tsx';
import { channelNames, statusNames } from '../format.ts';
import type {
  Conversation,
  Customer,
  Interaction,
  Priority,
  Status,
  TimelinePage,
} from '../types.ts';
import { useNameOf, useSession } from '../app.tsx';
import { Timeline } from './timeline.tsx';
import { CustomerCard } from './customer-card.tsx';
import { Composer, replyKindFor, type ComposerHandle } from './composer.tsx';
import { ChatPanel, useAdvisorTyping } from './chat-panel.tsx';
import { emailOf } from './email-fields.tsx';
import { PresenceBar, useCasePresence } from './case-presence.tsx';
import { MovedOnDialog, useMovedOnGuard } from './moved-on.tsx';

interface Loaded {
  conversation: Conversation;
  customer: Customer;
  timeline: Interaction[];
  nextCursor: string | null;
  cases: Conversation[];
}

/** Loads a customer's card, cases and timeline (the newest page, or more on demand). */
export async function loadCustomerStory(
  customerId: number,
  pages = 1,
): Promise<Omit<Loaded, 'conversation'>> {
  const [customer, cases] = await Promise.all([
    api<Customer>(`/api/customers/${customerId}`),
    api<{ items: Conversation[] }>(`/api/conversations${query({ customerId, limit: 200 })}`),
  ]);
  let timeline: Interaction[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < pages; page++) {
    const result: TimelinePage = await api<TimelinePage>(
      `/api/customers/${customerId}/timeline${query({ limit: 200, cursor })}`,
    );
    timeline = timeline.concat(result.items);
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return { customer, cases: cases.items, timeline, nextCursor: cursor };
}

/** One case: the customer's card beside the whole timeline, the composer, status, owner and tags. */
export function ConversationView({ conversationId }: { conversationId: number }) {
  const { me, directory } = useSession();
  const nameOf = useNameOf();
  const [data, setData] = useState<Loaded | null>(null);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const composer = useRef<ComposerHandle>(null);

  const load = useCallback(async () => {
    try {
      const conversation = await api<Conversation>(`/api/conversations/${conversationId}`);
      const story = await loadCustomerStory(conversation.customerId, pages);
      setData({ conversation, ...story });
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [conversationId, pages]);

  useEffect(() => {
    void load();
  }, [load]);
  useLiveRefresh(
    (event) =>
      event.type !== 'case.presence' &&
      (event.scope.conversationId === conversationId ||
        (data !== null && event.scope.customerId === data.customer.id)),
    () => void load(),
    150,
  );

  const change = async (changes: {
    status?: Status;
    priority?: Priority;
    ownerId?: number | null;
    snoozedUntil?: string | null;
  }) => {
    try {
      const conversation = await api<Conversation>(`/api/conversations/${conversationId}`, {
        method: 'PATCH',
        body: changes,
      });
      setData((d) => (d ? { ...d, conversation } : d));
      if (changes.status) setNotice(`Case marked ${statusNames[changes.status]?.toLowerCase()}.`);
      if (changes.ownerId !== undefined) setNotice(`Case owner is now ${nameOf(changes.ownerId)}.`);
      if (changes.snoozedUntil !== undefined)
        setNotice(
          conversation.snoozedUntil
            ? `Case snoozed until ${new Date(conversation.snoozedUntil).toLocaleString()}.`
            : 'Case woken: it is back in the waiting list.',
        );
    } catch (e) {
      setNotice(messageOf(e));
    }
  };

  const isChat = data?.conversation.originChannel === 'chat';
  const advisorTyping = useAdvisorTyping(conversationId, isChat);
  const presence = useCasePresence(conversationId, me.id);

  // The newest interaction of this case I have read: set when the case opens, moved on when I
  // send or mark what is new as read. A send carries it, so the server can say the case moved on.
  const [seenUpTo, setSeenUpTo] = useState<number | null>(null);
  useEffect(() => setSeenUpTo(null), [conversationId]);
  const onCase = data?.conversation.id === conversationId ? data : null;
  const newestOnCase = (onCase?.timeline ?? [])
    .filter((i) => i.conversationId === conversationId)
    .reduce((max, i) => Math.max(max, i.id), 0);
  useEffect(() => {
    if (onCase && seenUpTo === null) setSeenUpTo(newestOnCase);
  }, [onCase, seenUpTo, newestOnCase]);
  const newsSinceSeen = (onCase?.timeline ?? []).filter(
    (i) =>
      i.conversationId === conversationId &&
      seenUpTo !== null &&
      i.id > seenUpTo &&
      !(i.author.type === 'advisor' && i.author.id === me.id) &&
      // The visitor's chat messages show in the live chat as they come: not news to announce.
      !(i.direction === 'inbound' && i.kind === 'chat_message'),
  );
  const newest = useRef(newestOnCase);
  newest.current = newestOnCase;
  const guard = useMovedOnGuard({
    seenUpTo: () => seenUpTo ?? newest.current,
    reload: () => void load(),
    markRead: () => setSeenUpTo((s) => Math.max(s ?? 0, newest.current)),
  });
  const post = async (path: string, options: Parameters<typeof guard.post>[1]) => {
    const created = await guard.post(path, options);
    if (created.kind !== 'note') setSeenUpTo((s) => Math.max(s ?? 0, created.id));
    return created;
  };

  useShortcut('r', () => composer.current?.focus('reply'), data !== null);
  useShortcut('n', () => composer.current?.focus('note'), data !== null);
  useShortcut('e', () => void change({ status: 'resolved' }), data !== null);

  if (error)
    return (
      <section className="conversation">
        <p role="alert">{error}</p>
      </section>
    );
  if (!data)
    return (
      <section className="conversation">
        <p>Loading the case…</p>
      </section>
    );
  const { conversation, customer } = data;
  const lastInbound = [...data.timeline]
    .filter((i) => i.conversationId === conversationId && i.direction === 'inbound')
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
  const lastEmail = [...data.timeline]
    .filter(
      (i) => i.conversationId === conversationId && i.direction === 'inbound' && i.kind === 'email',
    )
    .sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt) || b.id - a.id)[0];
  const closed = conversation.status === 'resolved' || conversation.status === 'closed';
  const failedSends = data.timeline.filter(
    (i) =>
      i.conversationId === conversationId &&
      i.direction === 'outbound' &&
      i.deliveryState === 'failed',
  );
  const retry = async (interactionId: number) => {
    try {
      await api<Interaction>(`/api/interactions/${interactionId}/retry`, { method: 'POST' });
      setNotice('The reply is queued to be sent again.');
      void load();
    } catch (e) {
      setNotice(messageOf(e));
    }
  };
  const owners = directory.advisors.filter((a) => a.active && a.role !== 'integration');
  const hasEmail = emailOf(customer) !== '';
  // A chat the visitor asked to continue by email (or left through the offline form) is answered there.
  const defaultKind =
    hasEmail && conversation.tags.includes('answer-by-email')
      ? 'email'
      : replyKindFor(lastInbound?.kind);

  return (
    <div className="conversation-layout">
      <section className="conversation" aria-labelledby="case-title">
        <header className="case-head">
          <h1 id="case-title">
            {conversation.subject} <small>#{conversation.id}</small>
          </h1>
          <p className="case-facts">
            <span className={`status s-${conversation.status}`}>
              {statusNames[conversation.status]}
            </span>{' '}
            began on {channelNames[conversation.originChannel]} · owner{' '}
            <strong>{nameOf(conversation.ownerId)}</strong>
            {conversation.snoozedUntil && (
              <span className="snoozed">
                {' '}
                · snoozed until{' '}
                <time dateTime={conversation.snoozedUntil}>
                  {new Date(conversation.snoozedUntil).toLocaleString()}
                </time>
              </span>
            )}
          </p>
          <div className="actions">
            {closed ? (
              <button type="button" onClick={() => void change({ status: 'open' })}>
                Reopen
              </button>
            ) : (
              <>
                <button
                  type="button"
                  className="primary"
                  onClick={() => void change({ status: 'resolved' })}
                >
                  Resolve <kbd>e</kbd>
                </button>
                <button
                  type="button"
                  onClick={() => void change({ status: 'pending_customer' })}
                  disabled={conversation.status === 'pending_customer'}
                >
                  Pending customer
                </button>
                <button
                  type="button"
                  onClick={() => void change({ status: 'pending_us' })}
                  disabled={conversation.status === 'pending_us'}
                >
                  Pending us
                </button>
              </>
            )}
            {!closed && (
              <SnoozeControl
                snoozedUntil={conversation.snoozedUntil}
                onSnooze={(until) => void change({ snoozedUntil: until })}
              />
            )}
            {conversation.ownerId !== me.id && (
              <button type="button" onClick={() => void change({ ownerId: me.id })}>
                Take this case
              </button>
            )}
            <label>
              Owner
              <select
                value={conversation.ownerId ?? ''}
                onChange={(e) =>
                  void change({ ownerId: e.target.value ? Number(e.target.value) : null })
                }
              >
                <option value="">Nobody</option>
                {owners.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Priority
              <select
                value={conversation.priority}
                onChange={(e) => void change({ priority: e.target.value as Priority })}
              >
                {['low', 'normal', 'high', 'urgent'].map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <PresenceBar others={presence.others} />
          {newsSinceSeen.length > 0 && (
            <p className="case-news" role="status">
              <strong>New on this case while you were here:</strong> {newsOf(newsSinceSeen, nameOf)}
              .{' '}
              <button type="button" onClick={() => setSeenUpTo(newestOnCase)}>
                Mark as read
              </button>
            </p>
          )}
          <TagEditor
            conversationId={conversationId}
            tags={conversation.tags}
            onSaved={(tags) =>
              setData((d) => (d ? { ...d, conversation: { ...d.conversation, tags } } : d))
            }
          />
          <p role="status" className="notice">
            {notice}
          </p>
          {failedSends.map((failed) => (
            <div key={failed.id} className="send-failed" role="alert">
              <p>
                <strong>A reply could not be sent</strong> on{' '}
                {channelNames[failed.channel] ?? failed.channel}: {failed.deliveryReason}
              </p>
              <button type="button" onClick={() => void retry(failed.id)}>
                Retry sending
              </button>
            </div>
          ))}
        </header>
        {isChat && (
          <ChatPanel
            conversationId={conversationId}
            timeline={data.timeline}
            hasEmail={hasEmail}
            onAnswerByEmail={() => composer.current?.replyOn('email')}
          />
        )}
        <Timeline
          items={data.timeline}
          customer={customer}
          currentConversationId={conversationId}
          hasOlder={data.nextCursor !== null}
          onOlder={() => setPages((p) => p + 1)}
        />
        {guard.question && <MovedOnDialog question={guard.question} />}
        <Composer
          ref={composer}
          post={post}
          conversationId={conversationId}
          customer={customer}
          defaultKind={defaultKind}
          answered={lastEmail}
          caseSubject={conversation.subject}
          onSent={() => void load()}
          onReplyText={(text, kind) => {
            advisorTyping(kind === 'chat_message' ? text : '');
            presence.typed(text);
          }}
        />
      </section>
      <CustomerCard
        customer={customer}
        cases={data.cases}
        currentConversationId={conversationId}
        onChanged={() => void load()}
      />
    </div>
  );
}

/** "the customer wrote 2 messages, Samira replied": what is new on the case, in words. */
function newsOf(items: Interaction[], nameOf: (id: number | null) => string): string {
  const fromCustomer = items.filter((i) => i.direction === 'inbound').length;
  const colleagues = [
    ...new Set(items.filter((i) => i.author.type === 'advisor').map((i) => nameOf(i.author.id))),
  ];
  const parts = [
    ...(fromCustomer > 0
      ? [`the customer wrote ${fromCustomer} message${fromCustomer === 1 ? '' : 's'}`]
      : []),
    ...colleagues.map((name) => `${name} wrote`),
  ];
  return parts.length > 0 ? parts.join(', ') : `${items.length} new`;
}

/** Local "yyyy-MM-ddTHH:mm" for a datetime-local input. */
function localInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

const snoozeChoices = [
  { id: '1h', name: 'For 1 hour' },
  { id: '4h', name: 'For 4 hours' },
  { id: 'tomorrow', name: 'Tomorrow 9:00' },
  { id: 'custom', name: 'Until…' },
] as const;

/** When a preset ends, in the advisor's own time zone. */
function snoozeEnd(choice: string, custom: string): Date | null {
  const now = new Date();
  if (choice === '1h') return new Date(now.getTime() + 3_600_000);
  if (choice === '4h') return new Date(now.getTime() + 4 * 3_600_000);
  if (choice === 'tomorrow') {
    const d = new Date(now);
    d.setDate(d.getDate() + 1);
    d.setHours(9, 0, 0, 0);
    return d;
  }
  // datetime-local holds the advisor's wall-clock time: Date reads it in the browser's time zone.
  const d = custom ? new Date(custom) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

/** Puts the case aside until a time; it comes back then, or as soon as the customer writes. */
function SnoozeControl({
  snoozedUntil,
  onSnooze,
}: {
  snoozedUntil: string | null;
  onSnooze: (until: string | null) => void;
}) {
  const [choice, setChoice] = useState<string>('1h');
  const [custom, setCustom] = useState(() => localInput(new Date(Date.now() + 86_400_000)));
  if (snoozedUntil)
    return (
      <button type="button" onClick={() => onSnooze(null)}>
        Wake now
      </button>
    );
  const end = snoozeEnd(choice, custom);
  return (
    <span className="snooze" role="group" aria-label="Snooze this case">
      <label>
        Snooze
        <select value={choice} onChange={(e) => setChoice(e.target.value)}>
          {snoozeChoices.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      {choice === 'custom' && (
        <label>
          Snooze until
          <input
            type="datetime-local"
            value={custom}
            min={localInput(new Date())}
            onChange={(e) => setCustom(e.target.value)}
          />
        </label>
      )}
      <button
        type="button"
        disabled={!end}
        onClick={() => end && onSnooze(end.toISOString())}
        title="The case leaves the waiting list until then, or until the customer writes again"
      >
        Snooze case
      </button>
    </span>
  );
}

function TagEditor({
  conversationId,
  tags,
  onSaved,
}: {
  conversationId: number;
  tags: string[];
  onSaved: (tags: string[]) => void;
}) {
  const [value, setValue] = useState(tags.join(', '));
  const [message, setMessage] = useState<string | null>(null);
  useEffect(() => setValue(tags.join(', ')), [tags]);
  return (
    <form
      className="tags-form"
      onSubmit={(e) => {
        e.preventDefault();
        const next = value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        api<{ tags: string[] }>(`/api/conversations/${conversationId}/tags`, {
          method: 'PUT',
          body: { tags: next },
        }).then(
          (r) => {
            onSaved(r.tags);
            setMessage('Tags saved.');
          },
          (err: unknown) => setMessage(messageOf(err)),
        );
      }}
    >
      <label>
        Tags
        <input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder="billing, refund"
        />
      </label>
      <button type="submit">Save tags</button>
      {message && <small role="status">{message}</small>}
    </form>
  );
}
