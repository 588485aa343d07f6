import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './platform/config.ts';
import { closeContext, createContext, buildServer, createOutbox } from './server.ts';
import { compileRouteSchemas } from './platform/http/app.ts';
import type { Outbox } from './channels/send-queue.ts';
import { sendJobs } from './contacts/sending.ts';
import { isEmpty, loadDemoCompany } from './demo/demo-company.ts';
import { createAdvisor, hashPassword, issueToken, setPassword } from './advisors/advisors.ts';
import { roles, type Role } from './advisors/access.ts';
import { eraseCustomer, exportCustomer } from './customers/customers.ts';
import { systemActor } from './platform/events/event.ts';
import { DomainError } from './platform/errors.ts';
import { startDispatcher } from './routing/dispatcher.ts';
import { startEventSweeper } from './platform/events/sweeper.ts';
import { startIdempotencyPurge } from './platform/http/idempotency.ts';
import { appointmentJobs } from './channels/shop/appointments.ts';
import { startJobWorkers } from './platform/jobs/workers.ts';
import { passwordLinkMailJobs } from './channels/email/password-link-mail.ts';
import { checkTwilioAccounts } from './channels/twilio/twilio-accounts.ts';
import { startCallSweeper } from './channels/twilio/call-sweeper.ts';
import { callbackCallJobs, startCallbackAutoCalls } from './channels/twilio/callback-calls.ts';
import { recordingJobs } from './channels/twilio/recordings.ts';
import { hasHelpCentre } from './channels/help/help-centre.ts';
import { createEmailIntake } from './channels/email/ingest.ts';
import { readSmtpCertificate, startSmtpInbound } from './channels/email/smtp-inbound.ts';
import { imapAccounts, startImapPolling } from './channels/email/imap-poller.ts';
import { createSecretBox } from './platform/secrets.ts';
import type { DeadJobHook, JobHandler } from './platform/jobs/jobs.ts';
import { startWebhookFanOut, webhookJobs } from './integrations/delivery.ts';
import { startTurnNearing, turnNearingJobs } from './channels/shop/tickets.ts';
import { startDemoOutbox, type DemoOutbox } from './channels/email/demo-outbox.ts';
import { hasDemoWebsite } from './demo/demo-site.routes.ts';
import {
  inboundBodyOf,
  nextTrafficContact,
  startDemoTraffic,
  trafficSource,
} from './demo/demo-traffic.ts';

const usage = `rapport <command>

  serve                         run Rapport (loads the demo company into an empty database)
  migrate                       apply database migrations
  seed-demo                     load the demo company into an empty database
  demo-traffic [--per-minute N] [--url URL] [--minutes M] [--count N]
                                keep demo contacts arriving at a running Rapport (default 6 a
                                minute to http://localhost:PORT, until Ctrl+C)
  user add --email E --name N --role R [--password P] [--team ID] [--shop ID]
  user reset-password --email E --password P
  customer export --id N        print everything held about a customer as JSON
  customer erase --id N         anonymise a customer
  simulate <scenario.json> [--seed N] [--policy rapport|fcfs|both] [--json] [--svg out.svg]

Settings come from the environment: DATABASE_URL, RAPPORT_DATA_DIR, PORT, HOST, NATS_URL, ...`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') {
    console.log(usage);
    return command ? 0 : 1;
  }
  if (command === 'simulate') {
    const { runSimulateCommand } = await import('./routing/simulate-command.ts');
    return runSimulateCommand(rest);
  }
  const config = loadConfig();
  const ctx = await createContext(config, { quiet: command !== 'serve' });
  try {
    switch (command) {
      case 'serve':
        return await serve(ctx);
      case 'migrate':
        console.log(`database ${ctx.store.dialect.name} is up to date`);
        return 0;
      case 'seed-demo': {
        if (!(await isEmpty(ctx))) {
          console.error('the database already holds data; the demo loads only into an empty one');
          return 1;
        }
        const summary = await loadDemoCompany(ctx);
        console.log(
          `demo company loaded: ${summary.customers} customers, ${summary.interactions} interactions`,
        );
        console.log(`integration token (shown once): ${summary.integrationToken}`);
        return 0;
      }
      case 'demo-traffic':
        return await demoTrafficCommand(ctx, rest);
      case 'user':
        return await userCommand(ctx, rest);
      case 'customer':
        return await customerCommand(ctx, rest);
      default:
        console.error(`unknown command ${command}\n\n${usage}`);
        return 1;
    }
  } finally {
    if (command !== 'serve') await closeContext(ctx);
  }
}

/**
 * Email in: the built-in SMTP server the company's mail system forwards to (off with
 * RAPPORT_SMTP_PORT=off), handing every message to the one email intake.
 */
async function startMail(ctx: Awaited<ReturnType<typeof createContext>>, outbox: Outbox) {
  const intake = createEmailIntake({
    writer: ctx.writer,
    db: ctx.store.db,
    dialect: ctx.store.dialect,
    defaultRegion: ctx.config.defaultPhoneRegion,
    maxAttachmentBytes: ctx.config.maxAttachmentBytes,
    logger: ctx.logger,
    outbox,
  });
  const settings = ctx.config.smtp;
  const smtp = settings
    ? await startSmtpInbound({
        host: settings.host,
        port: settings.port,
        maxBytes: settings.maxBytes,
        tls: settings.tls ? readSmtpCertificate(settings.tls) : undefined,
        acceptsRecipient: (address) => intake.acceptsRecipient(address),
        take: async (raw, envelope) => {
          await intake.take(raw, { via: 'smtp', envelope });
        },
        logger: ctx.logger,
      })
    : undefined;
  // Every email account whose settings name an imapHost is read over IMAP too.
  const box = createSecretBox(ctx.config.secretKey);
  const imap = startImapPolling({
    writer: ctx.writer,
    db: ctx.store.db,
    accounts: () => imapAccounts(ctx.store.db, box),
    take: async (raw, meta) => {
      await intake.take(raw, { via: 'imap', accountId: meta.accountId });
    },
    intervalMs: ctx.config.imapIntervalMs,
    logger: ctx.logger,
  });
  return { intake, smtp, imap };
}

async function serve(ctx: Awaited<ReturnType<typeof createContext>>): Promise<number> {
  let demo: Awaited<ReturnType<typeof loadDemoCompany>> | undefined;
  if (ctx.config.loadDemo && (await isEmpty(ctx))) {
    console.log('empty database: loading the demo company…');
    demo = await loadDemoCompany(ctx);
  }
  // The demo's replies are caught on loopback; a port already taken leaves them failing, not the server.
  const demoOutbox: DemoOutbox | undefined = ctx.config.loadDemo
    ? await startDemoOutbox({
        port: ctx.config.demoOutboxPort,
        dir: path.join(ctx.config.dataDir, 'demo-outbox'),
        logger: ctx.logger,
      }).catch((error: unknown) => {
        ctx.logger.warn({ err: error }, "demo outbox not started: the demo's replies will fail");
        return undefined;
      })
    : undefined;
  const outbox = createOutbox(ctx);
  // A Twilio account without its auth token could not check a single request: refuse to start.
  const twilio = await checkTwilioAccounts(ctx.store.db);
  if (twilio.idle.length > 0)
    ctx.logger.warn(
      { accounts: twilio.idle },
      'demo Twilio accounts without an auth token refuse every webhook: set RAPPORT_DEMO_TWILIO_AUTH_TOKEN to try them',
    );
  const app = await buildServer(ctx, outbox);
  await app.ready();
  // Every route's schema compiled now: one Ajv cannot compile stops the start, not a request.
  compileRouteSchemas(app);
  await app.listen({ port: ctx.config.port, host: ctx.config.host });
  const stopDispatcher = startDispatcher(ctx);
  const sweeper = startEventSweeper({
    db: ctx.store.db,
    dialect: ctx.store.dialect,
    bus: ctx.bus,
    clock: ctx.clock,
    logger: ctx.logger,
    intervalMs: 5_000,
    olderThanMs: 5_000,
  });
  // Idempotency keys are remembered a day; older ones go, hourly.
  const idempotencyPurge = startIdempotencyPurge({
    db: ctx.store.db,
    clock: ctx.clock,
    logger: ctx.logger,
    intervalMs: 60 * 60 * 1000,
  });
  // Each area that queues work adds its handler here (channel sends, outbound webhooks, reminders).
  const sends = sendJobs(ctx.writer, outbox);
  const webhooks = webhookJobs(ctx);
  const calls = callbackCallJobs({
    db: ctx.store.db,
    writer: ctx.writer,
    accounts: outbox.accounts,
    publicUrl: ctx.config.publicUrl,
    now: () => ctx.clock.now(),
  });
  // Recordings and voicemail fetched from Twilio with the account's credentials, kept as blobs.
  const recordings = recordingJobs({
    db: ctx.store.db,
    writer: ctx.writer,
    accounts: outbox.accounts,
    now: () => ctx.clock.now(),
  });
  const handlers: Record<string, JobHandler> = {
    ...sends.handlers,
    ...webhooks.handlers,
    ...calls,
    ...appointmentJobs({ ctx, outbox }),
    ...turnNearingJobs(ctx, outbox),
    ...recordings.handlers,
    ...passwordLinkMailJobs({
      db: ctx.store.db,
      box: createSecretBox(ctx.config.secretKey),
      accounts: outbox.accounts,
      now: () => ctx.clock.now(),
    }),
  };
  const onDead: Record<string, DeadJobHook> = {
    ...sends.onDead,
    ...webhooks.onDead,
    ...recordings.onDead,
  };
  const stopWebhookFanOut = startWebhookFanOut(ctx);
  const stopDemoTraffic =
    ctx.config.demoTrafficPerMinute > 0
      ? startDemoTraffic(ctx, ctx.config.demoTrafficPerMinute)
      : () => undefined;
  // A call moves the walk-in queue: the tickets now near the front are told their turn nears.
  const stopTurnNearing = startTurnNearing(ctx);
  const callSweeper = startCallSweeper(ctx);
  // An accepted callback is called at once when its advisor has a line.
  const callbackAutoCalls = startCallbackAutoCalls(ctx);
  const workers = startJobWorkers({
    dialect: ctx.store.dialect,
    writer: ctx.writer,
    logger: ctx.logger,
    handlers,
    onDead,
    leaseMs: ctx.config.jobLeaseMs,
  });
  const mail = await startMail(ctx, outbox);
  const base = `http://${ctx.config.host === '0.0.0.0' ? 'localhost' : ctx.config.host}:${ctx.config.port}`;
  // The banner is written in one piece, ending with a line of its own, so whoever reads it (a
  // person, a test, a supervisor script) sees it whole once the last line arrives.
  const banner = [
    `\nRapport is running on ${ctx.store.dialect.name === 'sqlite' ? `SQLite in ${ctx.config.dataDir}` : 'PostgreSQL'}.`,
    `  Open ${base}/desk/  (API: ${base}/api/docs)`,
    ...(demo
      ? [
          `  Demo company: ${demo.customers} customers, ${demo.interactions} interactions.`,
          `  Sign in as admin@demo.rapport.test, supervisor@demo.rapport.test or lea@demo.rapport.test`,
          `  with the demo password "${ctx.config.demoPassword}" (set RAPPORT_DEMO_PASSWORD to change it).`,
          `  Channel gateway API token (shown once): ${demo.integrationToken}`,
        ]
      : []),
    ...((await hasDemoWebsite(ctx))
      ? [`  Chat as a customer on the demo company's website: ${base}/demo/website`]
      : []),
    ...(await walkInPages(ctx, base)),
    ...((await hasHelpCentre(ctx.store.read))
      ? [`  The help centre (contact us, ask for a callback): ${base}/help`]
      : []),
    ...(mail.smtp
      ? [
          `  Mail comes in by SMTP on ${ctx.config.smtp!.host}:${mail.smtp.port}${demo ? ' (try care@demo.rapport.test)' : ''}.`,
        ]
      : []),
    ...(demoOutbox
      ? [`  Replies on the demo's email accounts are kept in ${demoOutbox.dir}.`]
      : []),
    ...(ctx.config.demoTrafficPerMinute > 0
      ? [`  Demo traffic: ${ctx.config.demoTrafficPerMinute} new contacts a minute.`]
      : demo
        ? [`  Keep contacts arriving: npm run rapport -- demo-traffic`]
        : []),
    `  Press Ctrl+C to stop.`,
  ];
  process.stdout.write(`${banner.join('\n')}\n`);
  const stop = async () => {
    stopDemoTraffic();
    await stopDispatcher();
    stopWebhookFanOut();
    stopTurnNearing();
    await app.close();
    await mail.smtp?.close();
    await mail.imap.stop();
    await workers.stop();
    await sweeper.stop();
    idempotencyPurge.stop();
    callSweeper.stop();
    callbackAutoCalls.stop();
    await demoOutbox?.close();
    await closeContext(ctx);
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return new Promise<number>(() => {});
}

/** A shop's kiosk and board addresses for the banner (the first shop, when there is one). */
async function walkInPages(
  ctx: Awaited<ReturnType<typeof createContext>>,
  base: string,
): Promise<string[]> {
  const shop = await ctx.store.db
    .selectFrom('shops')
    .select(['id', 'name'])
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return shop
    ? [`  ${shop.name}'s kiosk: ${base}/kiosk/${shop.id}  display board: ${base}/board/${shop.id}`]
    : [];
}

/**
 * Keeps demo contacts arriving at a running Rapport through its JSON inbound route, with a token of
 * its own for the company's channel gateway, until Ctrl+C (or --minutes).
 */
async function demoTrafficCommand(
  ctx: Awaited<ReturnType<typeof createContext>>,
  argv: string[],
): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'per-minute': { type: 'string' },
      url: { type: 'string' },
      minutes: { type: 'string' },
      count: { type: 'string' },
    },
  });
  const perMinute = Number(values['per-minute'] ?? 6);
  if (!Number.isFinite(perMinute) || perMinute <= 0 || perMinute > 600) {
    console.error('--per-minute must be a number from 1 to 600');
    return 1;
  }
  const minutes = values.minutes === undefined ? undefined : Number(values.minutes);
  if (minutes !== undefined && !(minutes > 0)) {
    console.error('--minutes must be a positive number');
    return 1;
  }
  const count = values.count === undefined ? Infinity : Number(values.count);
  if (!(count > 0)) {
    console.error('--count must be a positive number');
    return 1;
  }
  const base = (values.url ?? `http://localhost:${ctx.config.port}`).replace(/\/$/, '');
  const gateway = await ctx.store.db
    .selectFrom('advisors')
    .select('id')
    .where('role', '=', 'integration')
    .where('active', '=', 1)
    .orderBy('id')
    .executeTakeFirst();
  if (!gateway) {
    console.error('no channel gateway account: load the demo company first (npm start)');
    return 1;
  }
  const { token } = await ctx.writer.run((unit) =>
    issueToken(unit, gateway.id, 'demo traffic', systemActor),
  );
  const source = await trafficSource(ctx);
  const runId = Date.now().toString(36);
  const until = minutes === undefined ? Infinity : Date.now() + minutes * 60_000;
  const gap = 60_000 / perMinute;
  console.log(`sending ${perMinute} demo contacts a minute to ${base} (Ctrl+C to stop)`);
  let stopped = false;
  process.once('SIGINT', () => (stopped = true));
  for (let seq = 0; !stopped && seq < count && Date.now() < until; seq++) {
    const contact = nextTrafficContact(source, Math.random, seq, runId);
    const key = `demo-traffic-${runId}-${seq}`;
    try {
      const response = await fetch(`${base}/api/interactions/inbound`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(inboundBodyOf(contact)),
      });
      const body = (await response.json()) as { conversationId?: number; detail?: string };
      const who = contact.from.name ?? 'a customer';
      console.log(
        response.ok
          ? `${new Date().toISOString().slice(11, 19)} ${contact.kind} from ${who} -> case ${body.conversationId}`
          : `${contact.kind} from ${who} refused (${response.status}): ${body.detail ?? ''}`,
      );
    } catch (error) {
      console.error(`Rapport does not answer at ${base}: ${(error as Error).message}`);
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, gap));
  }
  return 0;
}

async function userCommand(
  ctx: Awaited<ReturnType<typeof createContext>>,
  argv: string[],
): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
      team: { type: 'string' },
      shop: { type: 'string' },
    },
  });
  if (sub === 'add') {
    if (
      !values.email ||
      !values.name ||
      !values.role ||
      !(roles as readonly string[]).includes(values.role)
    ) {
      console.error(`user add needs --email, --name and --role (${roles.join(', ')})`);
      return 1;
    }
    if (values.password !== undefined && values.password.length < 10) {
      console.error('the password needs at least 10 characters');
      return 1;
    }
    const passwordHash = values.password ? await hashPassword(values.password) : null;
    const advisor = await ctx.writer.run((unit) =>
      createAdvisor(
        unit,
        {
          email: values.email!,
          name: values.name!,
          role: values.role as Role,
          teamId: values.team ? Number(values.team) : null,
          shopId: values.shop ? Number(values.shop) : null,
          passwordHash,
        },
        systemActor,
      ),
    );
    console.log(`added ${advisor.role} ${advisor.email} (id ${advisor.id})`);
    return 0;
  }
  if (sub === 'reset-password') {
    if (!values.email || !values.password || values.password.length < 10) {
      console.error('user reset-password needs --email and --password (at least 10 characters)');
      return 1;
    }
    const row = await ctx.store.db
      .selectFrom('advisors')
      .select('id')
      .where('email', '=', values.email.trim().toLowerCase())
      .executeTakeFirst();
    if (!row) {
      console.error(`no user ${values.email}`);
      return 1;
    }
    const passwordHash = await hashPassword(values.password);
    await ctx.writer.run((unit) => setPassword(unit, row.id, passwordHash, systemActor));
    console.log(`password reset for ${values.email}; their sessions are closed`);
    return 0;
  }
  console.error('user add | user reset-password');
  return 1;
}

async function customerCommand(
  ctx: Awaited<ReturnType<typeof createContext>>,
  argv: string[],
): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({ args: rest, options: { id: { type: 'string' } } });
  const id = Number(values.id);
  if (!Number.isInteger(id) || id < 1) {
    console.error('--id must be a customer id');
    return 1;
  }
  if (sub === 'export') {
    console.log(JSON.stringify(await exportCustomer(ctx.store.db, id, ctx.clock.now()), null, 2));
    return 0;
  }
  if (sub === 'erase') {
    await ctx.writer.run((unit) => eraseCustomer(unit, id, systemActor, ctx.store.dialect));
    console.log(`customer ${id} erased`);
    return 0;
  }
  console.error('customer export | customer erase');
  return 1;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof DomainError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  },
);
