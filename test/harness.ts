import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import type { Store } from '../src/platform/db/connect.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { EventBus } from '../src/platform/events/bus.ts';
import { buildServer, closeContext, createContext, createOutbox } from '../src/server.ts';
import { createAdvisor, hashPassword, issueToken } from '../src/advisors/advisors.ts';
import type { Role } from '../src/advisors/access.ts';
import { systemActor } from '../src/platform/events/event.ts';
import type { DestinationStream } from 'pino';
import { addTestAccounts } from './channel-accounts-fixture.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { sendJobs } from '../src/contacts/sending.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';

export const password = 'correct horse battery';
/**
 * Test-only: one argon2 hash shared by every fixture person, hashed once per process for speed.
 * Real accounts (the CLI, the API, the demo company) each get a hash with a salt of their own.
 */
let cachedHash: Promise<string> | undefined;

/** A small company for tests: two contact-centre teams, one shop, one person of each role. */
export interface Fixture {
  readonly teams: { readonly care: number; readonly tech: number; readonly shopTeam: number };
  readonly shopId: number;
  readonly people: Record<
    'admin' | 'supervisor' | 'advisor' | 'techAdvisor' | 'shopAdvisor' | 'gateway',
    { id: number; email: string; role: Role }
  >;
  readonly gatewayToken: string;
  /** One enabled channel account per channel (team Care), no secrets. */
  readonly accounts: Record<'email' | 'chat' | 'voice' | 'sms' | 'social' | 'shop', number>;
}

export interface Harness {
  readonly ctx: Context;
  readonly app: FastifyInstance;
  readonly fixture: Fixture;
  readonly clock: ReturnType<typeof manualClock>;
  /** Signs a person in and returns the cookie header to send. */
  signIn(email: string): Promise<string>;
  /** With `gateway: true`: the company's gateway as every channel's default account, and its fake provider. */
  readonly gateway?: TestGateway;
  close(): Promise<void>;
}

type ChannelName = 'email' | 'chat' | 'voice' | 'sms' | 'social' | 'shop';

/**
 * The company's own gateway for tests: a `webhook` account per channel (the team's default, so
 * replies leave on it) sending to a fake provider, with send workers running. The usual test
 * accounts exist too, as `idle`: their providers have no adapter here, so a reply on one waits.
 */
export interface TestGateway {
  readonly provider: FakeProvider;
  readonly secret: string;
  readonly idle: Record<ChannelName, number>;
}

export const gatewaySecret = 'gateway-signing-secret-for-tests';
const testSecretKey = 'a-secret-key-for-tests-only-0123456789';

async function addGatewayAccounts(
  unit: Parameters<typeof addTestAccounts>[0],
  teamId: number,
  sendUrl: string,
): Promise<Record<ChannelName, number>> {
  const box = createSecretBox(testSecretKey);
  const addresses: Record<ChannelName, string> = {
    email: 'gateway@rapport.test',
    chat: 'gateway-chat',
    voice: '+33140000101',
    sms: '+33140000102',
    social: 'gateway-social',
    shop: 'gateway-shop',
  };
  const ids = {} as Record<ChannelName, number>;
  for (const channel of Object.keys(addresses) as ChannelName[])
    ids[channel] = (
      await createChannelAccount(
        unit,
        box,
        {
          channel,
          provider: 'webhook',
          displayName: `Gateway ${channel}`,
          address: addresses[channel],
          teamId,
          settings: { sendUrl },
          secrets: { signingSecret: gatewaySecret },
        },
        systemActor,
      )
    ).id;
  return ids;
}

/** Opens a fresh database, builds the whole server on it and loads the fixture company. */
export async function startHarness(
  store: Store,
  options: {
    readonly bus?: EventBus;
    /** Settings over the test defaults (e.g. a secret key). */
    readonly config?: Partial<Config>;
    /** Log lines go here, at the configured level, instead of being quietened. */
    readonly logStream?: DestinationStream;
    /** A logger of the suite's own (to capture what is logged). */
    readonly logger?: Logger;
    /** Replies leave through a test gateway (see `TestGateway`), sent by running job workers. */
    readonly gateway?: boolean;
  } = {},
): Promise<Harness> {
  const clock = manualClock();
  const config = loadConfig(
    { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
    {
      dataDir: '/nonexistent',
      ...(options.gateway ? { secretKey: testSecretKey } : {}),
      ...options.config,
    },
  );
  const ctx = await createContext(config, {
    store,
    clock,
    quiet: !options.logStream,
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
  const provider = options.gateway ? await startFakeProvider() : undefined;
  const app = await buildServer(ctx);
  cachedHash ??= hashPassword(password);
  const passwordHash = await cachedHash;
  const fixture = await ctx.writer.run(async (unit) => {
    const team = async (name: string, kind: string) =>
      (
        await unit.db
          .insertInto('teams')
          .values({ name, kind, created_at: unit.now })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
    const care = await team('Care', 'contact_centre');
    const tech = await team('Tech', 'contact_centre');
    const shopTeam = await team('Lyon shop', 'shop');
    const shopId = (
      await unit.db
        .insertInto('shops')
        .values({
          name: 'Lyon',
          city: 'Lyon',
          time_zone: 'Europe/Paris',
          address: '1 rue de la République',
          team_id: shopTeam,
          created_at: unit.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const person = async (key: string, role: Role, teamId: number | null, shop: number | null) => {
      const advisor = await createAdvisor(
        unit,
        {
          name: key,
          email: `${key.toLowerCase()}@test.rapport`,
          role,
          teamId,
          shopId: shop,
          passwordHash: role === 'integration' ? null : passwordHash,
        },
        systemActor,
      );
      return { id: advisor.id, email: advisor.email, role };
    };
    const people = {
      admin: await person('Admin', 'admin', null, null),
      supervisor: await person('Supervisor', 'supervisor', care, null),
      advisor: await person('Advisor', 'advisor', care, null),
      techAdvisor: await person('TechAdvisor', 'advisor', tech, null),
      shopAdvisor: await person('ShopAdvisor', 'shop_advisor', shopTeam, shopId),
      gateway: await person('Gateway', 'integration', null, null),
    };
    const token = await issueToken(unit, people.gateway.id, 'tests', systemActor);
    // Created first, the gateway's accounts are the team's defaults; the usual ones stay idle.
    const gatewayAccounts = provider
      ? await addGatewayAccounts(unit, care, `${provider.url}/messages`)
      : undefined;
    const usual = await addTestAccounts(unit, care);
    return {
      teams: { care, tech, shopTeam },
      shopId,
      people,
      gatewayToken: token.token,
      accounts: gatewayAccounts ?? usual,
      idle: usual,
    };
  });
  let workers: JobWorkers | undefined;
  if (provider) {
    const sends = sendJobs(ctx.writer, createOutbox(ctx));
    workers = startJobWorkers({
      dialect: store.dialect,
      writer: ctx.writer,
      logger: ctx.logger,
      handlers: sends.handlers,
      onDead: sends.onDead,
      pollMs: 5,
      // Jitter at its ceiling, so a test knows each wait: base · 2^(attempt-1).
      random: () => 1,
      backoff: { baseMs: 1_000, capMs: 60_000 },
    });
  }
  const { idle, ...company } = fixture;
  return {
    ctx,
    app,
    fixture: company,
    clock,
    ...(provider ? { gateway: { provider, secret: gatewaySecret, idle } } : {}),
    async signIn(email) {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email, password },
      });
      if (response.statusCode !== 200)
        throw new Error(`sign-in failed for ${email}: ${response.body}`);
      const cookie = response.cookies.find((c) => c.name === 'rapport_session');
      if (!cookie) throw new Error('no session cookie');
      return `rapport_session=${cookie.value}`;
    },
    async close() {
      await workers?.stop();
      await provider?.close();
      await app.close();
      await closeContext(ctx);
    },
  };
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}
