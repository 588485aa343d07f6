import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Strict } from '../platform/http/schemas.ts';
import { staff, viewer } from './authenticate.ts';
import { readPersonalSettings, savePersonalSettings } from './personal-settings.ts';

const AlertWaysBody = Strict({
  sound: Type.Boolean(),
  desktop: Type.Boolean(),
  title: Type.Boolean(),
});
const SettingsBody = Strict({
  alerts: Strict({ offers: AlertWaysBody, messages: AlertWaysBody }),
});

/** An advisor's own settings (alerts: sound, desktop notification, tab title), stored per person. */
export function registerPersonalSettingsRoutes(app: FastifyInstance, ctx: Context): void {
  app.get(
    '/api/me/settings',
    {
      schema: { tags: ['advisors'], summary: 'My own settings: how I am alerted' },
      config: { allow: staff },
    },
    async (request) => readPersonalSettings(ctx.store.read, viewer(request).id),
  );

  app.put<{ Body: Static<typeof SettingsBody> }>(
    '/api/me/settings',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Change my own settings: sound, desktop notification and tab title, per alert',
        body: SettingsBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        savePersonalSettings(unit, me.id, request.body, { type: 'advisor', id: me.id }),
      );
    },
  );
}
