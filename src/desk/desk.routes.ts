import fs from 'node:fs';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../platform/context.ts';
import { Limit, Strict } from '../platform/http/schemas.ts';
import { staff, viewer } from '../advisors/authenticate.ts';
import { channels, statuses } from '../conversations/conversations.ts';
import { registerInsightsRoutes } from '../insights/insights.routes.ts';
import { registerMacroRoutes } from '../macros/macros.routes.ts';
import { registerAdvisorStateRoutes } from '../routing/advisor-states.routes.ts';
import { registerChannelSettingsRoutes } from './channel-settings.routes.ts';
import { listWork, workViews } from './work-list.ts';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));
const WorkQuery = Strict({
  view: literals(workViews),
  channel: Type.Optional(literals(channels)),
  status: Type.Optional(literals(statuses)),
  tag: Type.Optional(Type.String({ minLength: 1, maxLength: 60 })),
  teamId: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Limit(100, 500),
});
const AssetParams = Strict({ '*': Type.String({ maxLength: 500 }) });
const NoQuery = Strict({});

/**
 * Routes the routing engine will add; the desk shows presence, queues and offers only once the
 * server answers them, so a screen never shows what the server cannot do.
 */
export const routingRoutes = {
  presence: { method: 'PUT', url: '/api/routing/presence' },
  queues: { method: 'GET', url: '/api/routing/queues' },
  offers: { method: 'POST', url: '/api/routing/work-items/:id/accept' },
} as const;

// Same-origin only: scripts and styles from the build, API calls and the live socket to this server.
const contentSecurityPolicy =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'";

/**
 * The desk's web app at /desk/ (built by Vite into web/dist), the read models its first screen needs,
 * and the areas only the desk uses so far: the supervisor's wall (insights and advisors' states),
 * macros and channels' settings.
 */
export function registerDeskRoutes(
  app: FastifyInstance,
  ctx: Context,
  options: { readonly distDir?: string } = {},
): void {
  const { read } = ctx.store;
  registerInsightsRoutes(app, ctx);
  registerMacroRoutes(app, ctx);
  registerAdvisorStateRoutes(app, ctx);
  registerChannelSettingsRoutes(app, ctx);
  const distDir = path.resolve(options.distDir ?? path.join(import.meta.dirname, '../../web/dist'));

  app.get<{ Querystring: Static<typeof WorkQuery> }>(
    '/api/desk/work',
    {
      schema: {
        tags: ['desk'],
        summary:
          'My cases, or every case waiting for an answer in my scope, earliest deadline first',
        querystring: WorkQuery,
      },
      config: { allow: staff },
    },
    async (request) => ({
      ...(await listWork(read, viewer(request), request.query, ctx.clock.now())),
      at: new Date(ctx.clock.now()).toISOString(),
    }),
  );

  app.get(
    '/api/desk/directory',
    {
      schema: {
        tags: ['desk'],
        summary: 'Names of colleagues and teams, to show who owns and who wrote',
        querystring: NoQuery,
      },
      config: { allow: staff },
    },
    async () => ({
      advisors: (
        await read
          .selectFrom('advisors')
          .select(['id', 'name', 'role', 'team_id', 'shop_id', 'active'])
          .where('role', '!=', 'integration')
          .orderBy('name')
          .execute()
      ).map((a) => ({
        id: a.id,
        name: a.name,
        role: a.role,
        teamId: a.team_id,
        shopId: a.shop_id,
        active: a.active === 1,
      })),
      teams: await read
        .selectFrom('teams')
        .select(['id', 'name', 'kind'])
        .orderBy('name')
        .execute(),
    }),
  );

  app.get(
    '/api/desk/features',
    {
      schema: {
        tags: ['desk'],
        summary: 'Which optional parts of the desk this server can serve',
        querystring: NoQuery,
      },
      config: { allow: staff },
    },
    async () =>
      Object.fromEntries(
        Object.entries(routingRoutes).map(([name, route]) => [
          name,
          app.hasRoute({ method: route.method, url: route.url }),
        ]),
      ),
  );

  // The plugin gives `reply.sendFile`; our own routes serve, so each can say who may call it.
  void app.register(fastifyStatic, { serve: false });

  const sendIndex = (reply: FastifyReply) =>
    reply
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy)
      .header('x-content-type-options', 'nosniff')
      .sendFile('index.html', distDir, { cacheControl: false });

  app.get(
    '/desk',
    { schema: { hide: true, querystring: NoQuery }, config: { allow: 'public' } },
    async (_request, reply) => reply.redirect('/desk/'),
  );

  app.get<{ Params: Static<typeof AssetParams> }>(
    '/desk/*',
    { schema: { hide: true, params: AssetParams }, config: { allow: 'public' } },
    async (request: FastifyRequest<{ Params: Static<typeof AssetParams> }>, reply) => {
      if (!fs.existsSync(path.join(distDir, 'index.html'))) {
        return reply.status(503).type('application/problem+json').send({
          type: 'https://rapport.dev/problems/not-built',
          title: 'Desk not built',
          status: 503,
          detail: 'the desk is not built yet: run `npm run build`',
          instance: '/desk/',
          requestId: request.id,
        });
      }
      const wanted = request.params['*'];
      const file = path.resolve(distDir, wanted);
      const inside = file.startsWith(distDir + path.sep);
      if (wanted && inside && fs.statSync(file, { throwIfNoEntry: false })?.isFile()) {
        // Vite puts a content hash in every asset name: they never change, so browsers keep them.
        const immutable = wanted.startsWith('assets/');
        return reply
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .header('x-content-type-options', 'nosniff')
          .sendFile(wanted, distDir, { cacheControl: false });
      }
      if (wanted.startsWith('assets/')) return reply.callNotFound();
      // Any other path is a screen of the single-page app.
      return sendIndex(reply);
    },
  );
}
