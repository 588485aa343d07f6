/**
 * The website chat's routes. Widget routes (`/api/widget/:key/…`) are public — the visitor token
 * is the credential — called cross-origin from the company's site: no cookies, CORS for the
 * account's `origins`, rate limited like webhooks; the socket checks its page's Origin against the
 * same setting instead of the desk's cross-site rule. The config is public (look and online state
 * only, nothing about anyone), so the launcher shows before a visitor exists; every other widget
 * endpoint checks the token and, when the account requires it, the signed-in user's id and hash.
 * Desk routes (`/api/conversations/:id/chat|typing|read`) are for staff who may see the case.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Context } from '../../platform/context.ts';
import { DomainError, Invalid, NotFound } from '../../platform/errors.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { badTextAt } from '../../platform/http/text-guard.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { visibleConversation } from '../../conversations/conversations.ts';
import { loadAdvisors } from '../../routing/advisor-load.ts';
import type {
  ChatState,
  ServerFrame,
  VisitedPage,
  VisitorFrame,
  WidgetConfig,
} from '../../api-types/chat.ts';
import type { Outbox } from '../send-queue.ts';
import { bodyChecker } from '../body-check.ts';
import { ClientIdSchema, ChatUploadSchema, VisitorMessageBody } from './chat-adapter.ts';
import { publishEphemeral, rememberSent, type ChatHub, type VisitorSocket } from './chat-hub.ts';
import {
  markDelivered,
  markVisitorRead,
  messagesAfter,
  storeVisitorMessage,
  unreadCount,
} from './messages.ts';
import {
  chatAccountByKey,
  chatSettingsOf,
  originAllowed,
  refuseForeignPage,
  startVisitor,
  visitorOfToken,
  widgetProvider,
  type VisitorContext,
} from './visitors.ts';
import type { AdapterAccount } from '../adapter.ts';

const KeyParams = Strict({ key: Type.String({ minLength: 1, maxLength: 300 }) });
type KeyParams = Static<typeof KeyParams>;
const AnyParams = Strict({
  key: Type.String({ minLength: 1, maxLength: 300 }),
  endpoint: Type.String({ minLength: 1, maxLength: 60 }),
});

const StartBody = Strict({
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  userHash: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
});
const AfterQuery = Strict({ after: Type.Optional(Type.Integer({ minimum: 0 })) });
const TypingBody = Strict({ typing: Type.Boolean() });
const ReadBody = Strict({ upTo: Type.Integer({ minimum: 0 }) });

/** Every frame a widget may send, checked like a body: unknown fields refused. */
const FrameSchema = Type.Union([
  Strict({
    type: Type.Literal('hello'),
    token: Type.String({ minLength: 1, maxLength: 500 }),
    userId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    userHash: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    after: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
  }),
  Strict({
    type: Type.Literal('message'),
    clientId: ClientIdSchema,
    text: Type.String({ maxLength: 10_000 }),
    attachments: Type.Optional(Type.Array(ChatUploadSchema, { maxItems: 10 })),
  }),
  Strict({ type: Type.Literal('typing'), typing: Type.Boolean() }),
  Strict({ type: Type.Literal('read'), upTo: Type.Integer({ minimum: 0 }) }),
  Strict({
    type: Type.Literal('page'),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    title: Type.String({ maxLength: 500 }),
    referrer: Type.Optional(Type.String({ maxLength: 2000 })),
  }),
  Strict({ type: Type.Literal('ping') }),
]);
const checkFrame = bodyChecker(FrameSchema);

/** The first frame must come this soon, or the socket is closed (4401). */
export const helloTimeoutMs = 10_000;
/** Pages kept per visitor. */
export const keptPages = 50;

const allowedHeaders =
  'authorization, content-type, x-rapport-user-id, x-rapport-user-hash, x-file-name, x-request-id';

/** The page may read the answer (CORS) when the account lets its origin use the chat. */
function allowPage(ctx: Context, reply: FastifyReply, account: AdapterAccount, origin?: string) {
  if (origin === undefined) return;
  refuseForeignPage(ctx, account, origin);
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
}

/** The search words in a page address or referrer (`?q=`, `?s=`, `?search=`, `?query=`). */
export function searchOf(...addresses: readonly (string | null | undefined)[]): string | null {
  for (const address of addresses) {
    if (!address) continue;
    try {
      const params = new URL(address).searchParams;
      for (const name of ['q', 's', 'search', 'query']) {
        const value = params.get(name)?.trim();
        if (value) return value.slice(0, 200);
      }
    } catch {
      // not an address: no search in it
    }
  }
  return null;
}

/** The widget's routes and socket, and the desk's chat routes. */
export function registerChatRoutes(
  app: FastifyInstance,
  ctx: Context,
  deps: { readonly hub: ChatHub; readonly outbox: Outbox },
): void {
  const { hub } = deps;
  const adapter = deps.outbox.adapters.get(widgetProvider);
  const widget = { allow: 'public', crossOrigin: 'widget' } as const;
  const maxBytes = ctx.config.maxAttachmentBytes;

  // Preflight: the widget sends JSON with its token, so the browser asks first.
  app.options<{ Params: Static<typeof AnyParams> }>(
    '/api/widget/:key/:endpoint',
    {
      schema: { hide: true, params: AnyParams },
      config: widget,
    },
    async (request, reply) => {
      const account = await chatAccountByKey(ctx, request.params.key);
      allowPage(ctx, reply, account, request.headers.origin);
      return reply
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-allow-headers', allowedHeaders)
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    },
  );

  app.get<{ Params: KeyParams }>(
    '/api/widget/:key/config',
    {
      schema: {
        tags: ['chat'],
        summary: 'The chat widget’s look and whether someone can answer now (public)',
        params: KeyParams,
      },
      config: widget,
    },
    async (request, reply): Promise<WidgetConfig> => {
      const account = await chatAccountByKey(ctx, request.params.key);
      allowPage(ctx, reply, account, request.headers.origin);
      const settings = chatSettingsOf(account, maxBytes);
      const named = await ctx.store.read
        .selectFrom('channel_accounts')
        .select('display_name')
        .where('id', '=', account.id)
        .executeTakeFirstOrThrow();
      const advisors = await loadAdvisors(ctx.store.read, ctx.clock.now(), 60_000);
      return {
        key: account.address,
        displayName: named.display_name,
        colour: settings.colour,
        greeting: settings.greeting,
        position: settings.position,
        language: settings.language,
        advisorPhotos: [],
        // Opening hours come with chat-extras; until then, someone on shift for chat is enough.
        online: advisors.some((a) => (a.capacity.chat ?? 0) > 0),
        nextOpenAt: null,
        identityRequired: settings.identityRequired,
        maxAttachmentBytes: settings.maxAttachmentBytes,
        attachmentTypes: settings.attachmentTypes,
      };
    },
  );

  app.post<{ Params: KeyParams; Body: Static<typeof StartBody> }>(
    '/api/widget/:key/visitors',
    {
      schema: {
        tags: ['chat'],
        summary: 'Who is chatting: a signed visitor token (resumed, verified or new)',
        params: KeyParams,
        body: StartBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const account = await chatAccountByKey(ctx, request.params.key);
      allowPage(ctx, reply, account, request.headers.origin);
      return startVisitor(ctx, account, request.body);
    },
  );

  app.get<{ Params: KeyParams; Querystring: Static<typeof AfterQuery> }>(
    '/api/widget/:key/messages',
    {
      schema: {
        tags: ['chat'],
        summary: 'The visitor’s messages after a cursor (an interaction id): the HTTP fallback',
        params: KeyParams,
        querystring: AfterQuery,
      },
      config: widget,
    },
    async (request, reply) => {
      const who = await visitorOf(request, reply);
      return { items: await messagesAfter(ctx.store.read, who, request.query.after ?? null) };
    },
  );

  app.post<{ Params: KeyParams; Body: Static<typeof VisitorMessageBody> }>(
    '/api/widget/:key/messages',
    {
      schema: {
        tags: ['chat'],
        summary: 'The visitor sends a message (HTTP fallback; a resend of a clientId is the same)',
        params: KeyParams,
        body: VisitorMessageBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const account = await chatAccountByKey(ctx, request.params.key);
      allowPage(ctx, reply, account, request.headers.origin);
      // Through the channel's adapter, like every way in: the token first, then the body.
      const inbound = {
        headers: request.headers,
        rawBody: Buffer.alloc(0),
        body: request.body,
        receivedAt: ctx.clock.now(),
      };
      await adapter?.verify(inbound, account);
      const who = await visitorWithIdentity(request, account);
      const stored = await storeVisitorMessage(ctx, who, request.body);
      if (stored.opened || stored.conversationId !== who.visitor.conversationId)
        hub.moveVisitor(who.visitor.id, stored.conversationId);
      if (stored.reopened) hub.pushToVisitor(who.visitor.id, { type: 'status', status: 'open' });
      return reply.code(stored.duplicate ? 200 : 201).send({
        clientId: stored.clientId,
        id: stored.id,
        conversationId: stored.conversationId,
        duplicate: stored.duplicate,
      });
    },
  );

  async function visitorWithIdentity(request: FastifyRequest, account: AdapterAccount) {
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    return visitorOfToken(ctx, account, tokenOf(request), {
      userId: header('x-rapport-user-id'),
      userHash: header('x-rapport-user-hash'),
    });
  }
  const tokenOf = (request: FastifyRequest) => {
    const value = request.headers.authorization;
    return value?.startsWith('Visitor ') ? value.slice(8).trim() : undefined;
  };

  async function visitorOf(
    request: FastifyRequest<{ Params: KeyParams }>,
    reply: FastifyReply,
  ): Promise<VisitorContext> {
    const account = await chatAccountByKey(ctx, request.params.key);
    allowPage(ctx, reply, account, request.headers.origin);
    return visitorWithIdentity(request, account);
  }

  app.get<{ Params: KeyParams }>(
    '/api/widget/:key/socket',
    {
      websocket: true,
      schema: {
        tags: ['chat'],
        summary: 'WebSocket of one widget tab: hello, messages, typing, read marks, pages',
        params: KeyParams,
      },
      config: widget,
    },
    (socket, request) => serveTab(ctx, hub, socket, request.params.key, request.headers.origin),
  );

  // The desk's side of a live chat.

  app.get<{ Params: IdParams }>(
    '/api/conversations/:id/chat',
    {
      schema: {
        tags: ['chat'],
        summary: 'The live state of a chat case: visitor online, typing, read marks, pages',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request): Promise<ChatState> => {
      const conversation = await visibleConversation(
        ctx.store.read,
        request.params.id,
        viewer(request),
      );
      const visitor = await visitorOfCase(conversation.id, conversation.customer_id);
      if (!visitor) throw new NotFound('chat');
      const pages = await ctx.store.read
        .selectFrom('chat_pages')
        .select(['url', 'title', 'referrer', 'at'])
        .where('visitor_id', '=', visitor.id)
        .orderBy('id', 'desc')
        .limit(keptPages)
        .execute();
      return {
        conversationId: conversation.id,
        visitorId: visitor.id,
        online: hub.isOnline(visitor.id),
        typing: hub.isTyping(conversation.id),
        visitorReadUpTo: Number(visitor.visitor_read_up_to),
        advisorReadUpTo: Number(visitor.advisor_read_up_to),
        verified: visitor.user_id !== null,
        pages: pages.map((p): VisitedPage => ({
          url: p.url,
          title: p.title,
          at: new Date(Number(p.at)).toISOString(),
          search: searchOf(p.url, p.referrer),
        })),
      };
    },
  );

  const visitorOfCase = async (conversationId: number, customerId: number) =>
    (await ctx.store.read
      .selectFrom('chat_visitors')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('id', 'desc')
      .executeTakeFirst()) ??
    // An earlier chat case of the visitor (they have a newer one now).
    (await ctx.store.read
      .selectFrom('chat_visitors')
      .selectAll()
      .where('customer_id', '=', customerId)
      .orderBy('id', 'desc')
      .executeTakeFirst());

  app.post<{ Params: IdParams; Body: Static<typeof TypingBody> }>(
    '/api/conversations/:id/typing',
    {
      schema: {
        tags: ['chat'],
        summary: 'The advisor is typing (or stopped) on a chat case: the visitor sees it',
        params: IdParams,
        body: TypingBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const conversation = await visibleConversation(ctx.store.read, request.params.id, me);
      publishEphemeral(ctx, {
        type: 'chat.advisor-typing',
        actor: { type: 'advisor', id: me.id },
        entity: { type: 'conversation', id: conversation.id },
        scope: scopeOfRow(conversation),
        after: { conversationId: conversation.id, typing: request.body.typing, name: me.name },
      });
      return reply.code(204).send();
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof ReadBody> }>(
    '/api/conversations/:id/read',
    {
      schema: {
        tags: ['chat'],
        summary: 'The advisor has read the visitor’s messages up to this id: the visitor sees it',
        params: IdParams,
        body: ReadBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const conversation = await visibleConversation(ctx.store.read, request.params.id, me);
      const { upTo } = request.body;
      await ctx.writer.run((unit) =>
        unit.db
          .updateTable('chat_visitors')
          .set((eb) => ({
            advisor_read_up_to: eb
              .case()
              .when('advisor_read_up_to', '<', upTo)
              .then(upTo)
              .else(eb.ref('advisor_read_up_to'))
              .end(),
          }))
          .where('conversation_id', '=', conversation.id)
          .execute(),
      );
      publishEphemeral(ctx, {
        type: 'chat.advisor-read',
        actor: { type: 'advisor', id: me.id },
        entity: { type: 'conversation', id: conversation.id },
        scope: scopeOfRow(conversation),
        after: { conversationId: conversation.id, upTo },
      });
      return reply.code(204).send();
    },
  );

  app.addHook('onClose', async () => hub.close());
}

const scopeOfRow = (row: {
  id: number;
  customer_id: number;
  team_id: number | null;
  shop_id: number | null;
  owner_id: number | null;
}) => ({
  conversationId: row.id,
  customerId: row.customer_id,
  teamId: row.team_id,
  shopId: row.shop_id,
  ownerId: row.owner_id,
});

/** What a socket error frame says: the catalogue's code and the reason. */
function errorFrame(error: unknown): ServerFrame {
  if (error instanceof DomainError)
    return { type: 'error', code: error.code, detail: error.message.slice(0, 300) };
  return { type: 'error', code: 'internal', detail: 'something failed on the server' };
}

/** A close reason fits in a control frame (123 bytes). */
const reasonOf = (error: unknown) =>
  Buffer.from(error instanceof Error ? error.message : 'refused')
    .subarray(0, 120)
    .toString('utf8')
    .replace(/\uFFFD+$/, '');

/**
 * One widget tab's socket: the account (by key) and the page's origin first; then, within
 * `helloTimeoutMs`, a `hello` with the token (and identity when required), answered by `welcome`
 * and every message after the tab's cursor; then messages, typing, read marks and pages. Frames are
 * handled one after another, so a tab's messages are stored in the order it sent them.
 */
function serveTab(
  ctx: Context,
  hub: ChatHub,
  socket: WebSocket,
  key: string,
  origin: string | undefined,
): void {
  let tab: VisitorSocket | null = null;
  let who: VisitorContext | null = null;
  let closed = false;
  const timer = setTimeout(() => socket.close(4401, 'no hello within 10 s'), helloTimeoutMs);
  const refuse = (code: number, reason: string) => {
    clearTimeout(timer);
    if (!closed) socket.close(code, reason);
  };
  const account = chatAccountByKey(ctx, key).then(
    (found) => {
      if (!originAllowed(chatSettingsOf(found, ctx.config.maxAttachmentBytes), origin)) {
        refuse(4403, 'this site may not use this chat');
        return null;
      }
      return found;
    },
    () => {
      refuse(4401, 'no such chat');
      return null;
    },
  );
  const sendNow = (frame: ServerFrame) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame));
  };
  let queue: Promise<void> = Promise.resolve();
  socket.on('message', (data, isBinary) => {
    queue = queue
      .then(() => handle(isBinary ? '' : String(data)))
      .catch((error: unknown) => {
        ctx.logger.error({ err: error }, 'a chat frame failed');
        sendNow(errorFrame(error));
      });
  });
  socket.on('close', () => {
    closed = true;
    clearTimeout(timer);
    if (tab) hub.detach(tab);
  });

  async function handle(text: string): Promise<void> {
    const found = await account;
    if (!found || closed) return;
    let frame: VisitorFrame;
    try {
      const raw = JSON.parse(text) as unknown;
      const bad = badTextAt(raw);
      if (bad !== undefined) throw new Invalid(`frame${bad}`, 'holds text that is not text');
      frame = checkFrame(raw) as VisitorFrame;
    } catch (error) {
      if (!who) return refuse(4401, 'the first frame must be a hello');
      return sendNow(
        error instanceof DomainError
          ? { type: 'error', code: 'validation-failed', detail: error.message.slice(0, 300) }
          : { type: 'error', code: 'malformed-json', detail: 'a frame is one JSON object' },
      );
    }
    if (!who || !tab) {
      if (frame.type !== 'hello') return refuse(4401, 'the first frame must be a hello');
      return hello(found, frame);
    }
    switch (frame.type) {
      case 'hello':
        return sendNow({ type: 'error', code: 'bad-request', detail: 'hello comes once' });
      case 'ping':
        return sendNow({ type: 'pong' });
      case 'message':
        return message(who, tab, frame);
      case 'typing':
        if (tab.conversationId !== null)
          publishEphemeral(ctx, {
            type: 'chat.typing',
            actor: { type: 'customer', id: who.visitor.customerId },
            entity: { type: 'conversation', id: tab.conversationId },
            scope: hub.scopeOf(tab.conversationId) ?? { conversationId: tab.conversationId },
            after: { conversationId: tab.conversationId, typing: frame.typing },
          });
        return;
      case 'read':
        return read(who, tab, frame.upTo);
      case 'page':
        return page(who, tab, frame);
    }
  }

  async function hello(
    found: AdapterAccount,
    frame: Extract<VisitorFrame, { type: 'hello' }>,
  ): Promise<void> {
    try {
      who = await visitorOfToken(ctx, found, frame.token, {
        userId: frame.userId,
        userHash: frame.userHash,
      });
    } catch (error) {
      return refuse(4401, reasonOf(error));
    }
    clearTimeout(timer);
    if (closed) return;
    const visitor = await ctx.store.read
      .selectFrom('chat_visitors')
      .leftJoin('conversations', 'conversations.id', 'chat_visitors.conversation_id')
      .leftJoin('advisors', 'advisors.id', 'conversations.owner_id')
      .select([
        'chat_visitors.conversation_id',
        'chat_visitors.visitor_read_up_to',
        'conversations.status',
        'advisors.name as owner_name',
      ])
      .where('chat_visitors.id', '=', who.visitor.id)
      .executeTakeFirstOrThrow();
    const conversationId =
      visitor.conversation_id === null ? null : Number(visitor.conversation_id);
    // Joined before the re-sync: what commits meanwhile is held, then sent unless re-synced.
    tab = hub.attach({
      socket,
      visitorId: who.visitor.id,
      accountId: found.id,
      customerId: who.visitor.customerId,
      conversationId,
    });
    const replayed = new Set<number>();
    const ours: number[] = [];
    sendNow({
      type: 'welcome',
      visitorId: who.visitor.id,
      conversationId,
      unread: await unreadCount(ctx.store.read, who, Number(visitor.visitor_read_up_to)),
    });
    for (const message of await messagesAfter(ctx.store.read, who, frame.after)) {
      replayed.add(message.id);
      sendNow({ type: 'message', message });
      if (message.author !== 'visitor') ours.push(message.id);
    }
    void markDelivered(ctx, ours, found.id).catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'chat deliveries were not recorded'),
    );
    if (visitor.owner_name) sendNow({ type: 'advisor', name: visitor.owner_name, photoUrl: null });
    if (visitor.status)
      sendNow({
        type: 'status',
        status: visitor.status === 'resolved' || visitor.status === 'closed' ? 'resolved' : 'open',
      });
    if (conversationId !== null && !visitor.owner_name) await sendWaiting(conversationId);
    hub.goLive(tab, replayed);
  }

  async function sendWaiting(conversationId: number) {
    const waiting = await hub.waitingFor(conversationId).catch(() => null);
    if (waiting && tab) hub.send(tab, { type: 'waiting', ...waiting });
  }

  async function message(
    visitor: VisitorContext,
    from: VisitorSocket,
    frame: Extract<VisitorFrame, { type: 'message' }>,
  ): Promise<void> {
    rememberSent(from, frame.clientId);
    try {
      const stored = await storeVisitorMessage(ctx, visitor, frame);
      const moved = stored.conversationId !== from.conversationId;
      if (moved) hub.moveVisitor(visitor.visitor.id, stored.conversationId);
      hub.send(from, {
        type: 'ack',
        clientId: stored.clientId,
        id: stored.id,
        conversationId: stored.conversationId,
      });
      if (stored.reopened)
        hub.pushToVisitor(visitor.visitor.id, { type: 'status', status: 'open' });
      if (stored.opened) await sendWaiting(stored.conversationId);
    } catch (error) {
      hub.send(from, errorFrame(error));
    }
  }

  async function read(visitor: VisitorContext, from: VisitorSocket, upTo: number): Promise<void> {
    const mark = await markVisitorRead(ctx, visitor, upTo);
    const seen: ServerFrame = { type: 'seen', upTo: mark.upTo, unread: mark.unread };
    if (mark.conversationId === null) {
      hub.pushToVisitor(visitor.visitor.id, seen, from);
      return;
    }
    // On the bus: the desk sees the read mark, and the visitor's tabs on every node agree.
    publishEphemeral(ctx, {
      type: 'chat.read',
      actor: { type: 'customer', id: visitor.visitor.customerId },
      entity: { type: 'conversation', id: mark.conversationId },
      scope: hub.scopeOf(mark.conversationId) ?? { conversationId: mark.conversationId },
      after: {
        conversationId: mark.conversationId,
        upTo: mark.upTo,
        unread: mark.unread,
        visitorId: visitor.visitor.id,
        origin: hub.tagOf(from),
      },
    });
  }

  async function page(
    visitor: VisitorContext,
    from: VisitorSocket,
    frame: Extract<VisitorFrame, { type: 'page' }>,
  ): Promise<void> {
    const at = await ctx.writer.run(async (unit) => {
      await unit.db
        .insertInto('chat_pages')
        .values({
          visitor_id: visitor.visitor.id,
          url: frame.url,
          title: frame.title,
          referrer: frame.referrer ?? null,
          at: unit.now,
        })
        .execute();
      const keep = await unit.db
        .selectFrom('chat_pages')
        .select('id')
        .where('visitor_id', '=', visitor.visitor.id)
        .orderBy('id', 'desc')
        .offset(keptPages - 1)
        .limit(1)
        .executeTakeFirst();
      if (keep)
        await unit.db
          .deleteFrom('chat_pages')
          .where('visitor_id', '=', visitor.visitor.id)
          .where('id', '<', keep.id)
          .execute();
      return unit.now;
    });
    if (from.conversationId === null) return;
    const visited: VisitedPage = {
      url: frame.url,
      title: frame.title,
      at: new Date(at).toISOString(),
      search: searchOf(frame.url, frame.referrer),
    };
    publishEphemeral(ctx, {
      type: 'chat.page',
      actor: { type: 'customer', id: visitor.visitor.customerId },
      entity: { type: 'conversation', id: from.conversationId },
      scope: hub.scopeOf(from.conversationId) ?? { conversationId: from.conversationId },
      after: { conversationId: from.conversationId, page: visited },
    });
  }
}
