import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Limit, Strict } from '../platform/http/schemas.ts';
import { canSeeEvent } from '../advisors/access.ts';
import { identify, leads, staff } from '../advisors/authenticate.ts';
import type { DomainEvent } from '../platform/events/event.ts';
import type { LiveEvent } from '../api-types/events.ts';
import { accountEventTypes, watchAccounts } from '../advisors/account-watch.ts';
import { tokenIdOf } from '../advisors/advisors.ts';
import type { DeskWatch } from '../routing/desk-watch.ts';

const AuditQuery = Strict({
  entityType: Type.Optional(Type.String({ maxLength: 40 })),
  entityId: Type.Optional(Type.Integer({ minimum: 1 })),
  customerId: Type.Optional(Type.Integer({ minimum: 1 })),
  conversationId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Who: the advisor (or integration account) who acted. */
  actorId: Type.Optional(Type.Integer({ minimum: 1 })),
  /** What: an event type ("team.archived"), or every type of an area ending with a dot ("team."). */
  type: Type.Optional(Type.String({ minLength: 1, maxLength: 80, pattern: '^[a-z0-9_.:-]+$' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
  beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(50, 500),
});

const accountTypes: ReadonlySet<string> = new Set(accountEventTypes);

/**
 * The audit trail (who changed what, when, before and after) and the live event stream; an open
 * stream is also how routing knows an advisor is at their desk (`desks`).
 */
export function registerAuditRoutes(
  app: FastifyInstance,
  ctx: Context,
  options: { readonly desks?: DeskWatch } = {},
): void {
  const { db } = ctx.store;

  app.get<{ Querystring: Static<typeof AuditQuery> }>(
    '/api/events',
    {
      schema: { tags: ['audit'], summary: 'Audit events, newest first', querystring: AuditQuery },
      config: { allow: leads },
    },
    async (request) => {
      const q = request.query;
      let query = db
        .selectFrom('events')
        .leftJoin('advisors', (join) =>
          join.onRef('advisors.id', '=', 'events.actor_id').on('events.actor_type', '=', 'advisor'),
        )
        .selectAll('events')
        .select('advisors.name as actor_name');
      if (q.entityType) query = query.where('events.entity_type', '=', q.entityType);
      if (q.entityId) query = query.where('events.entity_id', '=', q.entityId);
      if (q.customerId) query = query.where('events.customer_id', '=', q.customerId);
      if (q.conversationId) query = query.where('events.conversation_id', '=', q.conversationId);
      if (q.actorId)
        query = query
          .where('events.actor_type', 'in', ['advisor', 'integration'])
          .where('events.actor_id', '=', q.actorId);
      if (q.type)
        query = q.type.endsWith('.')
          ? query.where('events.type', 'like', `${q.type.replace(/[%_]/g, '')}%`)
          : query.where('events.type', '=', q.type);
      if (q.from) query = query.where('events.created_at', '>=', Date.parse(q.from));
      if (q.to) query = query.where('events.created_at', '<', Date.parse(q.to));
      if (q.beforeId) query = query.where('events.id', '<', q.beforeId);
      const rows = await query
        .orderBy('events.id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      return {
        items: page.map((r) => ({
          id: r.id,
          type: r.type,
          actor: { type: r.actor_type, id: r.actor_id, name: r.actor_name ?? null },
          entity: { type: r.entity_type, id: r.entity_id },
          customerId: r.customer_id,
          conversationId: r.conversation_id,
          before: r.before === null ? null : (JSON.parse(r.before) as unknown),
          after: r.after === null ? null : (JSON.parse(r.after) as unknown),
          at: new Date(r.created_at).toISOString(),
        })),
        // The next page: pass it as beforeId; null on the last page.
        nextBeforeId: rows.length > q.limit ? (page[page.length - 1]?.id ?? null) : null,
      };
    },
  );

  app.get(
    '/api/events/types',
    {
      schema: { tags: ['audit'], summary: 'The event types recorded so far, for the filter' },
      config: { allow: leads },
    },
    async () => ({
      items: (
        await db.selectFrom('events').select('type').distinct().orderBy('type').execute()
      ).map((r) => r.type),
    }),
  );

  app.get(
    '/api/live',
    {
      websocket: true,
      schema: { tags: ['audit'], summary: 'WebSocket: the events you may see, as they happen' },
      config: { allow: 'public' },
    },
    async (socket, request) => {
      // Authentication happens here rather than in the access hook so the socket can close with a reason.
      const me = await identify(ctx, request).catch(() => null);
      if (!me || !staff.includes(me.role)) {
        socket.close(4401, 'sign in first');
        return;
      }
      // The socket lives only as long as the session or token: a sign-out, a change of role or
      // password, a revoked token, or the session's expiry closes it.
      let closed = false;
      const header = request.headers.authorization;
      const tokenId = header?.startsWith('Bearer ')
        ? await tokenIdOf(ctx.store.read, header.slice(7).trim())
        : undefined;
      const end = (): void => {
        if (closed) return;
        closed = true;
        socket.close(4401, 'session ended');
      };
      const recheck = async (): Promise<void> => {
        const still = await identify(ctx, request).catch(() => null);
        if (
          !closed &&
          (!still ||
            still.role !== me.role ||
            still.teamId !== me.teamId ||
            still.shopId !== me.shopId)
        ) {
          end();
        }
      };
      const stopWatching = watchAccounts(ctx, (event) => {
        if (closed) return;
        // A revoked token is revoked for good; the token cache need not be asked.
        if (event.type === 'token.revoked') {
          if (tokenId !== undefined && event.entity.id === tokenId) end();
        } else if (event.entity.type === 'advisor' && event.entity.id === me.id) void recheck();
      });
      const unsubscribe = ctx.bus.subscribe((event: DomainEvent) => {
        if (closed) return;
        // One's own account events are for the check above, not for the screen.
        if (
          event.entity.type === 'advisor' &&
          event.entity.id === me.id &&
          accountTypes.has(event.type)
        )
          return;
        // The browser reads it as the shared wire type: the compiler keeps the two in step.
        const message: LiveEvent = event;
        if (socket.readyState === socket.OPEN && canSeeEvent(me, event.scope))
          socket.send(JSON.stringify(message));
      });
      const timer = setInterval(() => void recheck(), 60_000);
      options.desks?.opened(me.id);
      socket.on('close', () => {
        options.desks?.closed(me.id);
        closed = true;
        clearInterval(timer);
        unsubscribe();
        stopWatching();
      });
      socket.send(JSON.stringify({ type: 'hello', advisorId: me.id }));
    },
  );
}
