import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Strict, StringEnum } from '../platform/http/schemas.ts';
import { admins, staff, viewer } from '../advisors/authenticate.ts';
import { channels } from './channel.ts';
import { loadChannelSettings, setChannelSettings } from './channel-settings.ts';

const ChannelParams = Strict({ channel: StringEnum(channels) });
const SettingsBody = Strict({
  enabled: Type.Boolean(),
  displayName: Type.String({ minLength: 1, maxLength: 40 }),
  signature: Type.Boolean(),
});

/** Channels' settings: everyone reads them (the desk names channels by them), administrators change them. */
export function registerChannelSettingsRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/channels',
    {
      schema: {
        tags: ['channels'],
        summary: 'Each channel: on or off, its display name, and whether replies are signed',
        querystring: Strict({}),
      },
      config: { allow: staff },
    },
    async () => ({ items: Object.values(await loadChannelSettings(ctx.store.read)) }),
  );

  app.put<{ Params: Static<typeof ChannelParams>; Body: Static<typeof SettingsBody> }>(
    '/api/channels/:channel',
    {
      schema: {
        tags: ['channels'],
        summary: "Change a channel's settings",
        params: ChannelParams,
        body: SettingsBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        setChannelSettings(unit, request.params.channel, request.body, {
          type: 'advisor',
          id: me.id,
        }),
      );
    },
  );
}
