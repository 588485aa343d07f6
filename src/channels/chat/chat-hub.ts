/**
 * The chat hub: every open widget socket of this server, by visitor and by conversation, and the
 * one bus subscription that turns committed events into frames for them. An advisor's reply
 * (`interaction.replied`, `interaction.auto-sent`) is loaded once and pushed to the sockets of its
 * conversation within milliseconds of its commit, on whichever node the visitor is connected to; a
 * visitor's message (`interaction.received`) reaches their other tabs; resolve, accept, typing and
 * read marks become `status`, `advisor`, `typing`, `read` and `seen` frames. Nothing polls: a socket
 * costs a few small objects and no timer of its own.
 */
import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Context } from '../../platform/context.ts';
import type { DomainEvent, EventScope } from '../../platform/events/event.ts';
import type { ChatWaiting, ServerFrame } from '../../api-types/chat.ts';
import { scopeOf } from '../../conversations/conversations.ts';
import { markDelivered, toChatMessage } from './messages.ts';
import { widgetProvider } from './visitors.ts';

/** One open widget socket (a tab). */
export interface VisitorSocket {
  readonly id: number;
  readonly socket: WebSocket;
  readonly visitorId: number;
  readonly accountId: number;
  readonly customerId: number;
  conversationId: number | null;
  /** The last client ids this tab sent: their echo goes to the visitor's other tabs only. */
  readonly sent: string[];
  /** Frames held while the tab re-syncs from its cursor; null once it is live. */
  pending: ServerFrame[] | null;
  alive: boolean;
}

interface ConversationState {
  scope: EventScope;
  lastAdvisorId: number | null;
  visitorTyping: boolean;
}

/** Where the `waiting` frame of a chat comes from (routing's estimate; supplied by chat-extras). */
export type WaitingSource = (conversationId: number) => Promise<ChatWaiting | null>;

/** The hub's face to route sets and the other chat files. */
export interface ChatHub {
  /** A tab joins (it is held in re-sync until `goLive`). */
  attach(socket: Omit<VisitorSocket, 'id' | 'pending' | 'alive' | 'sent'>): VisitorSocket;
  detach(tab: VisitorSocket): void;
  /** Sends the frames held during re-sync, except messages the re-sync already sent. */
  goLive(tab: VisitorSocket, replayed: ReadonlySet<number>): void;
  /** Sends one frame to one tab (held while it re-syncs). */
  send(tab: VisitorSocket, frame: ServerFrame): boolean;
  /** A frame to every tab on this server of every visitor whose chat is this conversation. */
  push(conversationId: number, frame: ServerFrame): number;
  /** A frame to every tab of a visitor on this server, except `except`. */
  pushToVisitor(visitorId: number, frame: ServerFrame, except?: VisitorSocket): number;
  /** The visitor's chat is now this conversation (their first message opened it, or a new case). */
  moveVisitor(visitorId: number, conversationId: number): void;
  /** Whether the visitor has a tab open on this server. */
  isOnline(visitorId: number): boolean;
  onlineVisitors(): number[];
  /** The visitor of this conversation is typing (as this server last heard). */
  isTyping(conversationId: number): boolean;
  /** The case's scope, as the last event about it said (for the desk's ephemeral events). */
  scopeOf(conversationId: number): EventScope | undefined;
  /** Chat-extras supplies the waiting estimate; the hub asks it when a tab joins a chat not yet taken. */
  provideWaiting(source: WaitingSource): void;
  waitingFor(conversationId: number): Promise<ChatWaiting | null>;
  /** The tag a `chat.read` event carries for the tab that read, so only its siblings get `seen`. */
  tagOf(tab: VisitorSocket): string;
  /** Stops listening and closes every socket (server shutdown). */
  close(): void;
}

const keptClientIds = 16;
const heartbeatMs = 30_000;
const deliveredBatchMs = 20;

/** Publishes an event that is never stored (typing, read marks, pages, presence). */
export function publishEphemeral(
  ctx: Context,
  event: Pick<DomainEvent, 'type' | 'actor' | 'entity' | 'scope' | 'after'>,
): void {
  void ctx.bus
    .publish([{ id: 0, before: null, at: ctx.clock.now(), ...event }])
    .catch((error: unknown) =>
      ctx.logger.warn(
        { err: error, type: event.type },
        'an ephemeral chat event was not published',
      ),
    );
}

const afterOf = (event: DomainEvent): Record<string, unknown> =>
  event.after !== null && typeof event.after === 'object'
    ? (event.after as Record<string, unknown>)
    : {};

/** Creates the server's one hub and its one bus subscription. */
export function createChatHub(ctx: Context): ChatHub {
  const byVisitor = new Map<number, Set<VisitorSocket>>();
  const visitorsOfConversation = new Map<number, Set<number>>();
  const visitorsOfCustomer = new Map<number, Set<number>>();
  const conversations = new Map<number, ConversationState>();
  let waiting: WaitingSource | undefined;
  let nextId = 1;
  const hubId = randomUUID().slice(0, 8);
  // Frames leave in the order their events were committed: one chain for the loads events need.
  let chain: Promise<unknown> = Promise.resolve();
  const inOrder = (work: () => Promise<unknown>) => {
    chain = chain
      .then(work)
      .catch((error: unknown) => ctx.logger.error({ err: error }, 'chat hub'));
  };

  const add = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(value);
  };
  const remove = <K, V>(map: Map<K, Set<V>>, key: K, value: V) => {
    const set = map.get(key);
    if (!set) return;
    set.delete(value);
    if (set.size === 0) map.delete(key);
  };

  const rawSend = (tab: VisitorSocket, frame: ServerFrame, done?: (ok: boolean) => void) => {
    if (tab.socket.readyState !== tab.socket.OPEN) {
      done?.(false);
      return false;
    }
    tab.socket.send(JSON.stringify(frame), (error) => done?.(!error));
    return true;
  };
  const send = (tab: VisitorSocket, frame: ServerFrame, done?: (ok: boolean) => void) => {
    if (tab.pending) {
      tab.pending.push(frame);
      return true;
    }
    return rawSend(tab, frame, done);
  };

  const tabsOfConversation = (conversationId: number): VisitorSocket[] =>
    [...(visitorsOfConversation.get(conversationId) ?? [])].flatMap((v) => [
      ...(byVisitor.get(v) ?? []),
    ]);

  const moveVisitor = (visitorId: number, conversationId: number) => {
    const tabs = byVisitor.get(visitorId);
    if (!tabs) return;
    for (const tab of tabs) {
      const before = tab.conversationId;
      if (before === conversationId) continue;
      tab.conversationId = conversationId;
      if (before === null) continue;
      remove(visitorsOfConversation, before, visitorId);
      if (!visitorsOfConversation.has(before)) conversations.delete(before);
    }
    add(visitorsOfConversation, conversationId, visitorId);
    if (!conversations.has(conversationId)) {
      const state: ConversationState = {
        scope: { conversationId },
        lastAdvisorId: null,
        visitorTyping: false,
      };
      conversations.set(conversationId, state);
      inOrder(async () => {
        const row = await ctx.store.read
          .selectFrom('conversations')
          .select(['id', 'customer_id', 'team_id', 'shop_id', 'owner_id'])
          .where('id', '=', conversationId)
          .executeTakeFirst();
        if (row) state.scope = scopeOf(row);
      });
    }
  };

  /** Loads a chat interaction with its author's name. */
  const loadMessage = (id: number) =>
    ctx.store.read
      .selectFrom('interactions')
      .leftJoin('advisors', 'advisors.id', 'interactions.author_id')
      .select([
        'interactions.id',
        'interactions.conversation_id',
        'interactions.customer_id',
        'interactions.channel',
        'interactions.direction',
        'interactions.author_type',
        'interactions.author_id',
        'interactions.text',
        'interactions.attachments',
        'interactions.provider',
        'interactions.provider_id',
        'interactions.created_at',
        'interactions.is_private',
        'interactions.account_id',
        'advisors.name as advisor_name',
      ])
      .where('interactions.id', '=', id)
      .executeTakeFirst();

  // Delivered marks are gathered for a moment and written in one unit per account: at hundreds of
  // messages a second they would otherwise double the writer's work.
  const toMark = new Map<number, number[]>();
  let marking: NodeJS.Timeout | undefined;
  const delivered = (ids: readonly number[], accountId: number) => {
    if (ids.length === 0) return;
    const list = toMark.get(accountId) ?? [];
    list.push(...ids);
    toMark.set(accountId, list);
    marking ??= setTimeout(flushDelivered, deliveredBatchMs);
  };
  const flushDelivered = () => {
    marking = undefined;
    const batches = [...toMark];
    toMark.clear();
    for (const [accountId, ids] of batches)
      void markDelivered(ctx, ids, accountId).catch((error: unknown) =>
        ctx.logger.warn({ err: error, ids }, 'chat deliveries were not recorded'),
      );
  };

  /** An advisor's (or Rapport's) message on a chat case: to the visitor's tabs, then `delivered`. */
  const pushReply = async (event: DomainEvent, conversationId: number) => {
    const row = await loadMessage(event.entity.id);
    if (!row || row.direction !== 'outbound' || row.is_private === 1) return;
    const tabs = tabsOfConversation(conversationId);
    if (tabs.length === 0) return;
    const state = conversations.get(conversationId);
    const names = new Map<number, string>();
    if (row.author_type === 'advisor' && row.author_id !== null && row.advisor_name) {
      const advisorId = Number(row.author_id);
      names.set(advisorId, row.advisor_name);
      if (state && state.lastAdvisorId !== advisorId) {
        state.lastAdvisorId = advisorId;
        for (const tab of tabs)
          send(tab, { type: 'advisor', name: row.advisor_name, photoUrl: null });
      }
    }
    const frame: ServerFrame = { type: 'message', message: toChatMessage(row, names) };
    let reached = false;
    for (const tab of tabs)
      send(tab, frame, (ok) => {
        if (ok && !reached) {
          reached = true;
          delivered([row.id], tab.accountId);
        }
      });
  };

  /** A visitor's message: to their other tabs (the tab that sent it has its ack). */
  const pushVisitorMessage = async (event: DomainEvent) => {
    const row = await loadMessage(event.entity.id);
    if (!row || row.provider !== widgetProvider || !row.provider_id) return;
    const visitorId = Number(row.provider_id.slice(0, row.provider_id.indexOf(':')));
    if (!byVisitor.has(visitorId)) return;
    moveVisitor(visitorId, row.conversation_id);
    const message = toChatMessage(row, new Map());
    for (const tab of byVisitor.get(visitorId) ?? [])
      if (!tab.sent.includes(message.clientId ?? '')) send(tab, { type: 'message', message });
  };

  const advisorName = async (advisorId: number) =>
    (
      await ctx.store.read
        .selectFrom('advisors')
        .select('name')
        .where('id', '=', advisorId)
        .executeTakeFirst()
    )?.name;

  const listener = (event: DomainEvent) => {
    const after = afterOf(event);
    const conversationId =
      event.scope.conversationId ??
      (typeof after.conversationId === 'number' ? after.conversationId : null);
    const state = conversationId !== null ? conversations.get(conversationId) : undefined;
    if (state && event.id !== 0) state.scope = event.scope;
    switch (event.type) {
      case 'interaction.received': {
        const customerId = event.scope.customerId ?? null;
        if (after.channel === 'chat' && customerId !== null && visitorsOfCustomer.has(customerId))
          inOrder(() => pushVisitorMessage(event));
        return;
      }
      case 'interaction.replied':
      case 'interaction.auto-sent':
        if (after.channel === 'chat' && conversationId !== null && state)
          inOrder(() => pushReply(event, conversationId));
        return;
      case 'conversation.updated':
        if (state && typeof after.status === 'string') {
          const status =
            after.status === 'resolved' || after.status === 'closed' ? 'resolved' : 'open';
          inOrder(async () => push(conversationId!, { type: 'status', status }));
        }
        return;
      case 'work-item.accepted':
        if (state && event.actor.id !== null) {
          const advisorId = event.actor.id;
          inOrder(async () => {
            const name = await advisorName(advisorId);
            if (!name) return;
            state.lastAdvisorId = advisorId;
            push(conversationId!, { type: 'advisor', name, photoUrl: null });
          });
        }
        return;
      case 'chat.advisor-typing':
        if (state)
          inOrder(async () =>
            push(conversationId!, {
              type: 'typing',
              name: typeof after.name === 'string' ? after.name : null,
              typing: after.typing === true,
            }),
          );
        return;
      case 'chat.advisor-read':
        if (state && typeof after.upTo === 'number') {
          const upTo = after.upTo;
          inOrder(async () => push(conversationId!, { type: 'read', upTo }));
        }
        return;
      case 'chat.typing':
        if (state) state.visitorTyping = after.typing === true;
        return;
      case 'chat.read': {
        const visitorId = typeof after.visitorId === 'number' ? after.visitorId : null;
        if (visitorId === null || !byVisitor.has(visitorId)) return;
        const frame: ServerFrame = {
          type: 'seen',
          upTo: Number(after.upTo),
          unread: Number(after.unread),
        };
        inOrder(async () => {
          for (const tab of byVisitor.get(visitorId) ?? [])
            if (`${hubId}:${tab.id}` !== after.origin) send(tab, frame);
        });
        return;
      }
      case 'customer.erased': {
        const customerId = event.entity.id;
        for (const visitorId of visitorsOfCustomer.get(customerId) ?? [])
          for (const tab of byVisitor.get(visitorId) ?? []) tab.socket.close(4401, 'erased');
        // Their pages and user id went in the erasure's own unit (customers/eraseCustomer).
        return;
      }
    }
  };
  const unsubscribe = ctx.bus.subscribe(listener);

  // One timer for every socket: a tab that stopped answering pings is let go.
  const heartbeat = setInterval(() => {
    for (const tabs of byVisitor.values())
      for (const tab of tabs) {
        if (!tab.alive) {
          tab.socket.terminate();
          continue;
        }
        tab.alive = false;
        tab.socket.ping();
      }
  }, heartbeatMs);
  heartbeat.unref();

  function push(conversationId: number, frame: ServerFrame): number {
    let n = 0;
    for (const tab of tabsOfConversation(conversationId)) if (send(tab, frame)) n++;
    return n;
  }

  return {
    attach(socket) {
      const tab: VisitorSocket = { ...socket, id: nextId++, sent: [], pending: [], alive: true };
      const first = !byVisitor.has(tab.visitorId);
      add(byVisitor, tab.visitorId, tab);
      add(visitorsOfCustomer, tab.customerId, tab.visitorId);
      if (tab.conversationId !== null) moveVisitor(tab.visitorId, tab.conversationId);
      tab.socket.on('pong', () => (tab.alive = true));
      if (first && tab.conversationId !== null) presence(tab.conversationId, true);
      return tab;
    },
    detach(tab) {
      const tabs = byVisitor.get(tab.visitorId);
      if (!tabs?.delete(tab)) return;
      if (tabs.size > 0) return;
      byVisitor.delete(tab.visitorId);
      remove(visitorsOfCustomer, tab.customerId, tab.visitorId);
      if (tab.conversationId !== null) {
        remove(visitorsOfConversation, tab.conversationId, tab.visitorId);
        presence(tab.conversationId, false);
        if (!visitorsOfConversation.has(tab.conversationId))
          conversations.delete(tab.conversationId);
      }
    },
    goLive(tab, replayed) {
      const held = tab.pending ?? [];
      tab.pending = null;
      const ours: number[] = [];
      for (const frame of held) {
        if (frame.type === 'message' && replayed.has(frame.message.id)) continue;
        rawSend(tab, frame);
        if (frame.type === 'message' && frame.message.author !== 'visitor')
          ours.push(frame.message.id);
      }
      delivered(ours, tab.accountId);
    },
    send: (tab, frame) => send(tab, frame),
    push,
    pushToVisitor(visitorId, frame, except) {
      let n = 0;
      for (const tab of byVisitor.get(visitorId) ?? []) if (tab !== except && send(tab, frame)) n++;
      return n;
    },
    moveVisitor,
    isOnline: (visitorId) => byVisitor.has(visitorId),
    onlineVisitors: () => [...byVisitor.keys()],
    isTyping: (conversationId) => conversations.get(conversationId)?.visitorTyping ?? false,
    scopeOf: (conversationId) => conversations.get(conversationId)?.scope,
    provideWaiting(source) {
      waiting = source;
    },
    waitingFor: (conversationId) => (waiting ? waiting(conversationId) : Promise.resolve(null)),
    tagOf: (tab) => `${hubId}:${tab.id}`,
    close() {
      unsubscribe();
      clearInterval(heartbeat);
      if (marking) clearTimeout(marking);
      flushDelivered();
      for (const tabs of byVisitor.values())
        for (const tab of tabs) tab.socket.close(1001, 'the server is going away');
    },
  };

  /** The desk hears that the visitor came or went (after the case's scope is known). */
  function presence(conversationId: number, online: boolean) {
    const state = conversations.get(conversationId);
    inOrder(async () =>
      publishEphemeral(ctx, {
        type: 'chat.presence',
        actor: { type: 'system', id: null },
        entity: { type: 'conversation', id: conversationId },
        scope: state?.scope ?? { conversationId },
        after: { conversationId, online },
      }),
    );
  }
}

/** Remembers a client id a tab sent (its echo skips that tab). */
export function rememberSent(tab: VisitorSocket, clientId: string): void {
  tab.sent.push(clientId);
  if (tab.sent.length > keptClientIds) tab.sent.shift();
}
