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
      event.scope.conversationId === conversationId ||
      (data !== null && event.scope.customerId === data.customer.id),
    () => void load(),
    150,
  );

  const change = async (changes: {
    status?: Status;
    priority?: Priority;
    ownerId?: number | null;
  }) => {
    try {
      const conversation = await api<Conversation>(`/api/conversations/${conversationId}`, {
        method: 'PATCH',
        body: changes,
      });
      setData((d) => (d ? { ...d, conversation } : d));
      if (changes.status) setNotice(`Case marked ${statusNames[changes.status]?.toLowerCase()}.`);
      if (changes.ownerId !== undefined) setNotice(`Case owner is now ${nameOf(changes.ownerId)}.`);
    } catch (e) {
      setNotice(messageOf(e));
    }
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
  const closed = conversation.status === 'resolved' || conversation.status === 'closed';
  const owners = directory.advisors.filter((a) => a.active && a.role !== 'integration');

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
        </header>
        <Timeline
          items={data.timeline}
          customer={customer}
          currentConversationId={conversationId}
          hasOlder={data.nextCursor !== null}
          onOlder={() => setPages((p) => p + 1)}
        />
        <Composer
          ref={composer}
          conversationId={conversationId}
          customer={customer}
          defaultKind={replyKindFor(lastInbound?.kind)}
          onSent={() => void load()}
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
