import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { admins, viewer } from '../advisors/authenticate.ts';
import type { Context } from '../platform/context.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { IdParams, Limit, Strict } from '../platform/http/schemas.ts';
import { createSecretBox } from '../platform/secrets.ts';
import {
  checkSubscriptionUrl,
  createSubscription,
  deleteSubscription,
  listDeliveries,
  listSubscriptions,
  newSealedSecret,
  pingSubscription,
  readAllowList,
  redeliver,
  replaceAllowList,
  rotateSecret,
  updateSubscription,
  type SubscriptionWithSecret,
} from './webhooks.ts';

const Name = Type.String({ minLength: 1, maxLength: 120 });
const Url = Type.String({ minLength: 1, maxLength: 2000 });
const EventTypes = Type.Array(
  Type.String({ pattern: '^(\\*|[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*(\\.\\*)?)$', maxLength: 100 }),
  { minItems: 1, maxItems: 50 },
);
const NewSubscriptionBody = Strict({
  name: Name,
  url: Url,
  eventTypes: EventTypes,
  active: Type.Optional(Type.Boolean()),
});
const SubscriptionChangesBody = Type.Object(
  {
    name: Type.Optional(Name),
    url: Type.Optional(Url),
    eventTypes: Type.Optional(EventTypes),
    active: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
const DeliveriesQuery = Strict({
  beforeId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(50, 200),
});
const AllowListBody = Strict({
  entries: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 200 }),
});

/** Admin routes of outbound webhooks: subscriptions, secrets, test pings, the log, the allow-list. */
export function registerWebhookRoutes(app: FastifyInstance, ctx: Context): void {
  const { read } = ctx.store;
  // Built once: a key that is too short stops the server at start, not at the first webhook.
  const box = createSecretBox(ctx.config.secretKey);
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });
  const tags = ['webhooks'];
  const config = { allow: admins };

  app.get(
    '/api/admin/webhooks',
    {
      schema: { tags, summary: 'Webhook subscriptions, by name (secrets are never shown)' },
      config,
    },
    async () => ({ items: await listSubscriptions(read) }),
  );

  app.post<{ Body: Static<typeof NewSubscriptionBody> }>(
    '/api/admin/webhooks',
    {
      schema: {
        tags,
        summary: 'Subscribe a URL to event types; the answer holds its signing secret, once',
        body: NewSubscriptionBody,
      },
      config,
    },
    async (request, reply) => {
      const me = viewer(request);
      const secret = newSealedSecret(box);
      const url = await checkSubscriptionUrl(read, request.body.url);
      return createOnce(
        ctx.writer,
        request,
        reply,
        `advisor:${me.id}`,
        async (unit) => ({
          status: 201,
          body: await createSubscription(unit, { ...request.body, url }, secret, actorOf(me.id)),
        }),
        // A replay answers the subscription without its secret: it is shown once, stored sealed.
        { remembered: (body) => ({ ...(body as SubscriptionWithSecret), secret: null }) },
      );
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof SubscriptionChangesBody> }>(
    '/api/admin/webhooks/:id',
    {
      schema: {
        tags,
        summary: 'Rename, re-point, re-subscribe, pause or resume a subscription',
        params: IdParams,
        body: SubscriptionChangesBody,
      },
      config,
    },
    async (request) => {
      const me = viewer(request);
      const { url: raw, ...rest } = request.body;
      const url = raw === undefined ? undefined : await checkSubscriptionUrl(read, raw);
      return ctx.writer.run((unit) =>
        updateSubscription(
          unit,
          request.params.id,
          { ...rest, ...(url !== undefined ? { url } : {}) },
          actorOf(me.id),
        ),
      );
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/admin/webhooks/:id',
    {
      schema: { tags, summary: 'Delete a subscription and its delivery log', params: IdParams },
      config,
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => deleteSubscription(unit, request.params.id, actorOf(me.id)));
      return reply.status(204).send();
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/webhooks/:id/rotate-secret',
    {
      schema: {
        tags,
        summary: 'Replace the signing secret now; the answer holds the new one, once',
        params: IdParams,
      },
      config,
    },
    async (request) => {
      const me = viewer(request);
      const secret = newSealedSecret(box);
      return ctx.writer.run((unit) =>
        rotateSecret(unit, request.params.id, secret, actorOf(me.id)),
      );
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/webhooks/:id/ping',
    {
      schema: {
        tags,
        summary: 'Send a webhook.ping event to this subscription only',
        params: IdParams,
      },
      config,
    },
    async (request, reply) => {
      const me = viewer(request);
      const queued = await ctx.writer.run((unit) =>
        pingSubscription(unit, request.params.id, actorOf(me.id)),
      );
      return reply.status(202).send(queued);
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof DeliveriesQuery> }>(
    '/api/admin/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary: 'The delivery log of a subscription: one row per attempt, newest first',
        params: IdParams,
        querystring: DeliveriesQuery,
      },
      config,
    },
    async (request) => ({ items: await listDeliveries(read, request.params.id, request.query) }),
  );

  app.post<{ Params: IdParams }>(
    '/api/admin/webhook-deliveries/:id/redeliver',
    {
      schema: {
        tags,
        summary: 'Send the event of a logged delivery again, as a new delivery',
        params: IdParams,
      },
      config,
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 202,
        body: await redeliver(unit, request.params.id, actorOf(me.id)),
      }));
    },
  );

  app.get(
    '/api/admin/webhook-allow-list',
    {
      schema: {
        tags,
        summary: 'Internal hosts and ranges (CIDR) webhooks may reach',
      },
      config,
    },
    async () => readAllowList(read),
  );

  app.put<{ Body: Static<typeof AllowListBody> }>(
    '/api/admin/webhook-allow-list',
    {
      schema: {
        tags,
        summary: 'Replace the allow-list of internal webhook destinations',
        body: AllowListBody,
      },
      config,
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) => replaceAllowList(unit, request.body.entries, actorOf(me.id)));
    },
  );
}
