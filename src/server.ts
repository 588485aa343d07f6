import type { FastifyInstance } from 'fastify';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './platform/config.ts';
import type { Context } from './platform/context.ts';
import { migrate, openStore, type Store } from './platform/db/connect.ts';
import { createWriter, publishLeftovers } from './platform/db/writer.ts';
import { inProcessBus, natsBus, type EventBus } from './platform/events/bus.ts';
import { systemClock, type Clock } from './platform/clock.ts';
import { buildHttpApp } from './platform/http/app.ts';
import { registerHealthRoutes } from './platform/http/health.routes.ts';
import { registerWebAppRoutes } from './platform/http/web-app.routes.ts';
import { registerWidgetAssetRoutes } from './platform/http/widget-assets.routes.ts';
import { registerShopAssetRoutes } from './platform/http/shop-pages.ts';
import { registerDemoSiteRoutes } from './demo/demo-site.routes.ts';
import { registerChannelAccountRoutes } from './channels/channel-accounts.routes.ts';
import { enforceAccess, identify } from './advisors/authenticate.ts';
import { registerAdvisorRoutes } from './advisors/advisors.routes.ts';
import { registerShopRoutes } from './shops/shops.routes.ts';
import { registerCustomerRoutes } from './customers/customers.routes.ts';
import { registerConversationRoutes } from './conversations/conversations.routes.ts';
import { registerRoutingRoutes } from './routing/routing.routes.ts';
import { registerAdvisorStateRoutes } from './routing/advisor-states.routes.ts';
import { registerWaitingCaseRoutes } from './routing/waiting-cases.routes.ts';
import { registerTeamCalendarRoutes } from './routing/team-calendars.routes.ts';
import { registerInsightsRoutes } from './insights/insights.routes.ts';
import { registerShopFiguresRoutes } from './insights/shop-figures.routes.ts';
import { registerMacroRoutes } from './macros/macros.routes.ts';
import { registerAuditRoutes } from './audit/audit.routes.ts';
import { registerCasePresenceRoutes } from './audit/case-presence.routes.ts';
import { registerPersonalSettingsRoutes } from './advisors/personal-settings.routes.ts';
import { watchDesks } from './routing/desk-watch.ts';
import { registerContactRoutes } from './contacts/contacts.routes.ts';
import { registerViewRoutes } from './conversations/views.routes.ts';
import { registerLoggedContactRoutes } from './conversations/logged-contacts.routes.ts';
import { registerStartCaseRoutes } from './contacts/start-case.routes.ts';
import { registerWallActionRoutes } from './contacts/wall-actions.routes.ts';
import { passwordLinkMailer } from './channels/email/password-link-mail.ts';
import { sendRetryHooks } from './contacts/sending.ts';
import { Invalid } from './platform/errors.ts';
import { createSecretBox } from './platform/secrets.ts';
import { anySealedSecrets } from './channels/channel-accounts.ts';
import { registerJobRoutes } from './platform/jobs/jobs.routes.ts';
import type { ChannelAdapter } from './channels/adapter.ts';
import { storedAccounts, type Outbox } from './channels/send-queue.ts';
import { gatewayAdapter } from './channels/webhook/gateway.ts';
import { createEmailAdapter } from './channels/email/email-adapter.ts';
import { registerGatewayRoutes } from './channels/webhook/gateway.routes.ts';
import { registerEmailRoutes } from './channels/email/email.routes.ts';
import { registerApiInboundRoutes } from './channels/api/api.routes.ts';
import { registerImapRoutes } from './channels/email/imap.routes.ts';
import { createChatAdapter } from './channels/chat/chat-adapter.ts';
import { createChatHub } from './channels/chat/chat-hub.ts';
import { registerChatRoutes } from './channels/chat/chat.routes.ts';
import { registerChatExtrasRoutes } from './channels/chat/chat-extras.routes.ts';
import { startWaitingUpdates, waitingFor } from './channels/chat/waiting.ts';
import { createTwilioAdapter } from './channels/twilio/twilio-adapter.ts';
import { registerTwilioRoutes } from './channels/twilio/twilio.routes.ts';
import { registerPbxRoutes } from './channels/twilio/pbx.routes.ts';
import { registerAdvisorLineRoutes } from './channels/twilio/advisor-lines.routes.ts';
import { registerCallbackCallRoutes } from './channels/twilio/callback-calls.routes.ts';
import { registerCallsDeskRoutes } from './channels/twilio/calls-desk.routes.ts';
import { registerHelpRoutes } from './channels/help/help.routes.ts';
import { setSmsConsentByPhone } from './channels/twilio/sms-consent.ts';
import { registerBookingRoutes } from './channels/shop/booking.routes.ts';
import { registerKioskRoutes } from './channels/shop/kiosk.routes.ts';
import { registerBoardRoutes } from './channels/shop/board.routes.ts';
import { registerShopDeskRoutes } from './channels/shop/shop-desk.routes.ts';
import { registerRepairRoutes } from './channels/shop/repairs.routes.ts';

/**
 * Where secrets could sit in a log line (request bodies and headers, config, errors' payloads):
 * censored whatever logs them, so a secret never reaches a log even by mistake.
 */
const redactedPaths = [
  'req.body',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'body',
  'secrets',
  '*.secrets',
  '*.*.secrets',
  'secretKey',
  '*.secretKey',
  '*.demoSecrets',
  'password',
  '*.password',
  '*.authToken',
  '*.appSecret',
  '*.verifyToken',
  '*.consumerSecret',
];

/**
 * Refuses to start when a secret would be sealed or opened without RAPPORT_SECRET_KEY: the database
 * holds sealed channel secrets, or the demo company is about to seal one given in the environment.
 */
async function refuseSecretsWithoutKey(config: Config, store: Store): Promise<void> {
  // A key that is set but too short fails here too, naming RAPPORT_SECRET_KEY.
  if (createSecretBox(config.secretKey).ready) return;
  if (await anySealedSecrets(store.db))
    throw new Invalid(
      'RAPPORT_SECRET_KEY',
      'is not set, but the database holds encrypted channel account secrets: set the key they were sealed with',
    );
  const demoNames = Object.entries({
    RAPPORT_DEMO_TWILIO_AUTH_TOKEN: config.demoSecrets.twilioAuthToken,
    RAPPORT_DEMO_META_APP_SECRET: config.demoSecrets.metaAppSecret,
    RAPPORT_DEMO_META_VERIFY_TOKEN: config.demoSecrets.metaVerifyToken,
    RAPPORT_DEMO_X_CONSUMER_SECRET: config.demoSecrets.xConsumerSecret,
  }).flatMap(([name, value]) => (value ? [name] : []));
  if (!config.loadDemo || demoNames.length === 0) return;
  const empty = !(await store.db.selectFrom('advisors').select('id').limit(1).executeTakeFirst());
  if (empty)
    throw new Invalid(
      'RAPPORT_SECRET_KEY',
      `is not set, but ${demoNames.join(', ')} ${demoNames.length === 1 ? 'is' : 'are'} set for the demo company: secrets are encrypted at rest, so set RAPPORT_SECRET_KEY (a random string of at least 32 characters) or unset ${demoNames.length === 1 ? 'it' : 'them'}`,
    );
}
import { registerWebhookRoutes } from './integrations/webhooks.routes.ts';

/** Opens the database, migrates it, picks the bus and returns the context every area receives. */
export async function createContext(
  config: Config,
  options: {
    readonly store?: Store;
    readonly bus?: EventBus;
    readonly clock?: Clock;
    readonly quiet?: boolean;
    /** Where log lines go (tests read them); standard output otherwise. */
    readonly logStream?: DestinationStream;
    /** A logger of the caller's (tests that capture lines); built from the config otherwise. */
    readonly logger?: Logger;
  } = {},
): Promise<Context> {
  const logger =
    options.logger ??
    pino(
      {
        level: options.quiet ? 'warn' : config.logLevel,
        redact: { paths: redactedPaths, censor: '[redacted]' },
      },
      options.logStream,
    );
  const store =
    options.store ?? openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  await migrate(store);
  await refuseSecretsWithoutKey(config, store).catch(async (error: unknown) => {
    // A store handed in belongs to the caller; one opened here is closed before failing.
    if (!options.store) await store.close();
    throw error;
  });
  const bus =
    options.bus ??
    (config.natsUrl ? await natsBus(config.natsUrl, 'rapport', logger) : inProcessBus(logger));
  const clock = options.clock ?? systemClock;
  const writer = createWriter(store.db, bus, clock, { logger });
  await publishLeftovers(store.db, bus, clock, store.dialect);
  return { config, store, writer, bus, clock, logger };
}

/**
 * The channel adapters this server runs, by provider, and how it finds accounts: the one place an
 * adapter is chosen. The send queue's job handler (main.ts) and the routes share it.
 */
export function createOutbox(
  ctx: Context,
  accounts: Outbox['accounts'] = storedAccounts(createSecretBox(ctx.config.secretKey)),
): Outbox {
  const now = () => ctx.clock.now();
  const adapters: ChannelAdapter[] = [
    gatewayAdapter(now),
    createEmailAdapter({ db: ctx.store.db, now }),
    createChatAdapter(ctx),
    createTwilioAdapter({
      db: ctx.store.db,
      writer: ctx.writer,
      now,
      publicUrl: ctx.config.publicUrl,
      // Twilio's 21610: the customer texted STOP to Twilio itself; their SMS consent goes off here too.
      onUnsubscribed: async (phone) => {
        await ctx.writer.run((unit) =>
          setSmsConsentByPhone(unit, phone, false, ctx.config.defaultPhoneRegion, {
            type: 'system',
            id: null,
          }),
        );
      },
    }),
  ];
  return { adapters: new Map(adapters.map((a) => [a.provider, a])), accounts };
}

/**
 * The whole HTTP surface of Rapport, ready for `inject` in tests or `listen` in `serve`. Every route
 * set is registered here and nowhere else, in the order of the areas' layering.
 */
export async function buildServer(
  ctx: Context,
  outbox: Outbox = createOutbox(ctx),
): Promise<FastifyInstance> {
  const app = await buildHttpApp(ctx);
  enforceAccess(app, ctx);
  registerHealthRoutes(
    app,
    ctx,
    async (request) => (await identify(ctx, request).catch(() => null))?.role === 'admin',
  );
  registerWebAppRoutes(app);
  registerWidgetAssetRoutes(app);
  registerShopAssetRoutes(app);
  registerDemoSiteRoutes(app, ctx);
  registerChannelAccountRoutes(app, ctx);
  registerAdvisorRoutes(app, ctx, {
    mailer: passwordLinkMailer(createSecretBox(ctx.config.secretKey)),
  });
  registerShopRoutes(app, ctx);
  registerCustomerRoutes(app, ctx);
  registerConversationRoutes(app, ctx);
  registerRoutingRoutes(app, ctx);
  registerAdvisorStateRoutes(app, ctx);
  registerWaitingCaseRoutes(app, ctx);
  registerTeamCalendarRoutes(app, ctx);
  registerInsightsRoutes(app, ctx);
  registerShopFiguresRoutes(app, ctx);
  registerMacroRoutes(app, ctx);
  const desks = watchDesks(ctx);
  app.addHook('onClose', async () => desks.stop());
  registerAuditRoutes(app, ctx, { desks });
  registerCasePresenceRoutes(app, ctx);
  registerPersonalSettingsRoutes(app, ctx);
  registerContactRoutes(app, ctx, outbox);
  registerViewRoutes(app, ctx);
  registerLoggedContactRoutes(app, ctx);
  registerStartCaseRoutes(app, ctx, outbox);
  registerWallActionRoutes(app, ctx);
  registerJobRoutes(app, ctx, sendRetryHooks());
  registerApiInboundRoutes(app, ctx);
  registerImapRoutes(app, ctx);
  registerGatewayRoutes(app, ctx, outbox, outbox.adapters.get('webhook')!);
  registerWebhookRoutes(app, ctx);
  registerTwilioRoutes(app, ctx, outbox, outbox.adapters.get('twilio')!);
  registerPbxRoutes(app, ctx, outbox);
  registerAdvisorLineRoutes(app, ctx);
  registerCallbackCallRoutes(app, ctx);
  registerCallsDeskRoutes(app, ctx);
  registerShopDeskRoutes(app, ctx, outbox);
  registerHelpRoutes(app, ctx);
  registerEmailRoutes(app, ctx, { maxAttachmentBytes: ctx.config.maxAttachmentBytes });
  const hub = createChatHub(ctx);
  registerChatRoutes(app, ctx, { hub, outbox });
  // Honest waiting: the place and estimate on hello, and pushed whenever the queue moves.
  hub.provideWaiting(waitingFor(ctx));
  const stopWaiting = startWaitingUpdates(ctx, hub);
  app.addHook('onClose', async () => stopWaiting());
  registerChatExtrasRoutes(app, ctx, { outbox });
  registerBookingRoutes(app, ctx, outbox);
  registerKioskRoutes(app, ctx);
  registerBoardRoutes(app, ctx);
  registerRepairRoutes(app, ctx, { outbox });
  return app;
}

/** Closes what `createContext` opened, after queued writes are committed. */
export async function closeContext(ctx: Context): Promise<void> {
  await ctx.writer.drain();
  await ctx.bus.close();
  await ctx.store.close();
}
