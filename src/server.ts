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
import { registerWebAppRoutes } from './platform/http/web-app.routes.ts';
import { registerChannelSettingsRoutes } from './channels/channel-settings.routes.ts';
import { enforceAccess } from './advisors/authenticate.ts';
import { registerAdvisorRoutes } from './advisors/advisors.routes.ts';
import { registerShopRoutes } from './shops/shops.routes.ts';
import { registerCustomerRoutes } from './customers/customers.routes.ts';
import { registerConversationRoutes } from './conversations/conversations.routes.ts';
import { registerRoutingRoutes } from './routing/routing.routes.ts';
import { registerAdvisorStateRoutes } from './routing/advisor-states.routes.ts';
import { registerWaitingCaseRoutes } from './routing/waiting-cases.routes.ts';
import { registerInsightsRoutes } from './insights/insights.routes.ts';
import { registerMacroRoutes } from './macros/macros.routes.ts';
import { registerAuditRoutes } from './audit/audit.routes.ts';
import { registerContactRoutes } from './contacts/contacts.routes.ts';
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

/**
 * The whole HTTP surface of Rapport, ready for `inject` in tests or `listen` in `serve`. Every route
 * set is registered here and nowhere else, in the order of the areas' layering.
 */
export async function buildServer(ctx: Context): Promise<FastifyInstance> {
  const app = await buildHttpApp(ctx);
  enforceAccess(app, ctx);
  registerHealthRoutes(app, ctx);
  registerWebAppRoutes(app);
  registerChannelSettingsRoutes(app, ctx);
  registerAdvisorRoutes(app, ctx);
  registerShopRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerRoutingRoutes(app, ctx);
  registerAdvisorStateRoutes(app, ctx);
  registerWaitingCaseRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  registerMacroRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  registerContactRoutes(app, ctx);
  registerJobRoutes(app, ctx);
  return app;
}

/** Closes what `createContext` opened, after queued writes are committed. */
export async function closeContext(ctx: Context): Promise<void> {
  await ctx.writer.drain();
  await ctx.bus.close();
  await ctx.store.close();
}
