import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Config } from './platform/config.ts';
import type { Context } from './platform/context.ts';
import { migrate, openStore, type Store } from './platform/db/connect.ts';
import { createWriter, publishLeftovers } from './platform/db/writer.ts';
import { inProcessBus, natsBus, type EventBus } from './platform/events/bus.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { buildHttpApp } from './platform/http/app.ts';
import { registerHealthRoutes } from './platform/http/health.routes.ts';
import { enforceAccess } from './advisors/authenticate.ts';
import { registerAdvisorRoutes } from './advisors/advisors.routes.ts';
import { registerCustomerRoutes } from './customers/customers.routes.ts';
import { registerConversationRoutes } from './conversations/conversations.routes.ts';
import { registerAuditRoutes } from './audit/audit.routes.ts';
import { registerRoutingRoutes } from './routing/routing.routes.ts';
import { registerDeskRoutes } from './desk/desk.routes.ts';
import { registerJobRoutes } from './platform/jobs/jobs.routes.ts';

/** Opens the database, migrates it, picks the bus and returns the context every area receives. */
export async function createContext(
  config: Config,
  options: {
    readonly store?: Store;
    readonly bus?: EventBus;
    readonly clock?: Clock;
    readonly quiet?: boolean;
  } = {},
): Promise<Context> {
  const logger = pino({ level: options.quiet ? 'warn' : config.logLevel });
  const store =
    options.store ?? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(store);
  const bus =
    options.bus ??
    (config.natsUrl ? await natsBus(config.natsUrl, 'rapport', logger) : inProcessBus(logger));
  const clock = options.clock ?? systemClock;
  const writer = createWriter(store.db, bus, clock, { logger });
  await publishLeftovers(store.db, bus, clock, store.dialect);
  return { config, store, writer, bus, clock, logger };
}

/** The whole HTTP surface of Rapport, ready for `inject` in tests or `listen` in `serve`. */
export async function buildServer(ctx: Context): Promise<FastifyInstance> {
  const app = await buildHttpApp(ctx);
  enforceAccess(app, ctx);
  registerHealthRoutes(app, ctx);
  registerAdvisorRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerRoutingRoutes(app, ctx);
  registerDeskRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  return app;
}

/** Closes what `createContext` opened, after queued writes are committed. */
export async function closeContext(ctx: Context): Promise<void> {
  await ctx.writer.drain();
  await ctx.bus.close();
  await ctx.store.close();
}
