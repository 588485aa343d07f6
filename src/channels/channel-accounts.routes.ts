import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createSecretBox } from '../platform/secrets.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { admins, staff, viewer } from '../advisors/authenticate.ts';
import { channels } from './channel.ts';
import {
  channelProviders,
  channelSummaries,
  createChannelAccount,
  getChannelAccount,
  listChannelAccounts,
  updateChannelAccount,
} from './channel-accounts.ts';

const Name = Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_]{0,39}$' });
const SettingsSchema = Type.Record(
  Name,
  Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
  { additionalProperties: false, maxProperties: 40 },
);
const SecretValue = Type.String({ minLength: 1, maxLength: 10_000 });
const NullableId = Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]);

const ListQuery = Strict({ channel: Type.Optional(StringEnum(channels)) });
const NewAccountBody = Strict({
  channel: StringEnum(channels),
  provider: StringEnum(channelProviders),
  displayName: Type.String({ minLength: 1, maxLength: 80 }),
  address: Type.String({ minLength: 1, maxLength: 300 }),
  signature: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
  teamId: Type.Optional(NullableId),
  settings: Type.Optional(SettingsSchema),
  secrets: Type.Optional(
    Type.Record(Name, SecretValue, { additionalProperties: false, maxProperties: 20 }),
  ),
});
const ChangesBody = Strict({
  displayName: Type.Optional(Type.String({ minLength: 1, maxLength: 80 })),
  address: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  signature: Type.Optional(Type.Boolean()),
  enabled: Type.Optional(Type.Boolean()),
  teamId: Type.Optional(NullableId),
  settings: Type.Optional(SettingsSchema),
  secrets: Type.Optional(
    Type.Record(Name, Type.Union([SecretValue, Type.Null()]), {
      additionalProperties: false,
      maxProperties: 20,
    }),
  ),
});

/**
 * Channel accounts: staff read which channels can take replies (the desk's channel list);
 * administrators list, add and change accounts. Secrets are write-only: answers name the ones set.
 */
export function registerChannelAccountRoutes(app: FastifyInstance, ctx: Context): void {
  // Built once at start: a key that is too short fails here, before the server listens.
  const box = createSecretBox(ctx.config.secretKey);
  const actorOf = (request: Parameters<typeof viewer>[0]) => ({
    type: 'advisor' as const,
    id: viewer(request).id,
  });

  app.get(
    '/api/channels',
    {
      schema: {
        tags: ['channels'],
        summary: 'Each channel: whether a reply can go out on it, and its enabled accounts',
        querystring: Strict({}),
      },
      config: { allow: staff },
    },
    async () => ({ items: await channelSummaries(ctx.store.read) }),
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/channel-accounts',
    {
      schema: {
        tags: ['channels'],
        summary: 'Every channel account (secrets by name only)',
        querystring: ListQuery,
      },
      config: { allow: admins },
    },
    async (request) => ({
      items: await listChannelAccounts(ctx.store.read, { channel: request.query.channel }),
    }),
  );

  app.get<{ Params: IdParams }>(
    '/api/channel-accounts/:id',
    { schema: { tags: ['channels'], params: IdParams }, config: { allow: admins } },
    async (request) => getChannelAccount(ctx.store.read, request.params.id),
  );

  app.post<{ Body: Static<typeof NewAccountBody> }>(
    '/api/channel-accounts',
    {
      schema: {
        tags: ['channels'],
        summary: 'Add a mailbox, number, page, widget or shop account; secrets are sealed at rest',
        body: NewAccountBody,
      },
      config: { allow: admins },
    },
    async (request, reply) =>
      createOnce(ctx.writer, request, reply, `advisor:${viewer(request).id}`, async (unit) => ({
        status: 201,
        body: await createChannelAccount(unit, box, request.body, actorOf(request)),
      })),
  );

  app.patch<{ Params: IdParams; Body: Static<typeof ChangesBody> }>(
    '/api/channel-accounts/:id',
    {
      schema: {
        tags: ['channels'],
        summary:
          'Change an account; each secret named is set or replaced (null removes it), others stay',
        params: IdParams,
        body: ChangesBody,
      },
      config: { allow: admins },
    },
    async (request) =>
      ctx.writer.run((unit) =>
        updateChannelAccount(unit, box, request.params.id, request.body, actorOf(request)),
      ),
  );
}
