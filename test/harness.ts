import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Logger } from 'pino';
import { loadConfig, type Config } from '../src/platform/config.ts';
import type { Context } from '../src/platform/context.ts';
import type { Store } from '../src/platform/db/connect.ts';
import { manualClock } from '../src/platform/clock.ts';
import type { EventBus } from '../src/platform/events/bus.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { createAdvisor, hashPassword, issueToken } from '../src/advisors/advisors.ts';
import type { Role } from '../src/advisors/access.ts';
import { systemActor } from '../src/platform/events/event.ts';
import type { DestinationStream } from 'pino';
import { addTestAccounts } from './channel-accounts-fixture.ts';

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
  close(): Promise<void>;
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
  } = {},
): Promise<Harness> {
  const clock = manualClock();
  const config = loadConfig(
    { RAPPORT_PHONE_REGION: 'FR', LOG_LEVEL: 'warn' },
    { dataDir: '/nonexistent', ...options.config },
  );
  const ctx = await createContext(config, {
    store,
    clock,
    quiet: !options.logStream,
    ...(options.bus ? { bus: options.bus } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
  });
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
    const accounts = await addTestAccounts(unit, care);
    return { teams: { care, tech, shopTeam }, shopId, people, gatewayToken: token.token, accounts };
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
    async close() {
      await app.close();
      await closeContext(ctx);
    },
  };
}

/** Parses a JSON response body. */
export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}
