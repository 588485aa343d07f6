import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import type { Store } from '../src/platform/db/connect.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { EventBus } from '../src/platform/events/bus.ts';
import { buildServer, closeContext, createContext, createOutbox } from '../src/server.ts';
import { createAdvisor, hashPassword, issueToken } from '../src/advisors/advisors.ts';
import type { Role } from '../src/advisors/access.ts';
import { systemActor } from '../src/platform/events/event.ts';
import type { AdapterAccount } from '../src/channels/adapter.ts';
import { channels } from '../src/channels/channel.ts';
import { fixedAccounts } from '../src/channels/send-queue.ts';
import { sendJobs } from '../src/contacts/sending.ts';
import { startJobWorkers, type JobWorkers } from '../src/platform/jobs/workers.ts';
import { startFakeProvider, type FakeProvider } from './fake-provider.ts';

export const password = 'correct horse battery';
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
}

export interface Harness {
  readonly ctx: Context;
  readonly app: FastifyInstance;
  readonly fixture: Fixture;
  readonly clock: ReturnType<typeof manualClock>;
  /** Signs a person in and returns the cookie header to send. */
  signIn(email: string): Promise<string>;
  /** With `gateway: true`: a gateway account on every channel, its fake provider, running send workers. */
  readonly gateway?: TestGateway;
  close(): Promise<void>;
}

/** The company's own gateway for tests: one `webhook` account per channel, sending to a fake provider. */
export interface TestGateway {
  readonly provider: FakeProvider;
  /** The accounts replies leave on; remove one to leave its channel without an account. */
  readonly accounts: AdapterAccount[];
  readonly secret: string;
}

export const gatewaySecret = 'gateway-signing-secret-for-tests';

/** Opens a fresh database, builds the whole server on it and loads the fixture company. */
export async function startHarness(
  store: Store,
  options: { readonly bus?: EventBus; readonly gateway?: boolean } = {},
): Promise<Harness> {
  const clock = manualClock();
  const config = loadConfig(
    { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
    { dataDir: '/nonexistent' },
  );
  const ctx = await createContext(config, {
    store,
    clock,
    quiet: true,
    ...(options.bus ? { bus: options.bus } : {}),
  });
  let gateway: TestGateway | undefined;
  let workers: JobWorkers | undefined;
  let outbox: ReturnType<typeof createOutbox> | undefined;
  if (options.gateway) {
    const provider = await startFakeProvider();
    const accounts: AdapterAccount[] = channels.map((channel, i) => ({
      id: 9_000 + i,
      channel,
      provider: 'webhook',
      address: `gateway-${channel}@rapport.test`,
      settings: { sendUrl: `${provider.url}/messages` },
      secrets: { signingSecret: gatewaySecret },
    }));
    gateway = { provider, accounts, secret: gatewaySecret };
    outbox = createOutbox(ctx, fixedAccounts(accounts));
    const sends = sendJobs(ctx.writer, outbox);
    workers = startJobWorkers({
      dialect: store.dialect,
      writer: ctx.writer,
      logger: ctx.logger,
      handlers: sends.handlers,
      onDead: sends.onDead,
      pollMs: 5,
      // Jitter at its ceiling, so a test knows the wait: base · 2^(attempt-1).
      random: () => 1,
      backoff: { baseMs: 1_000, capMs: 60_000 },
    });
  }
  const app = await buildServer(ctx, outbox);
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
    return { teams: { care, tech, shopTeam }, shopId, people, gatewayToken: token.token };
  });
  return {
    ctx,
    app,
    fixture,
    clock,
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
    ...(gateway ? { gateway } : {}),
    async close() {
      await workers?.stop();
      await app.close();
      await gateway?.provider.close();
      await closeContext(ctx);
    },
  };
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}
