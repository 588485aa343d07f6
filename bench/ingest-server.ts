// Child process for bench/ingest.ts: Rapport on a fresh SQLite (or DATABASE_URL) and a bare Fastify
// route returning the same JSON, each on its own port. Prints the ports as JSON on stdout.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { loadConfig } from '../src/platform/config.ts';
import { buildServer, createContext } from '../src/server.ts';
import { createAdvisor, issueToken } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { ingestInbound } from '../src/conversations/interactions.ts';
import { contactOf } from './ingest-contacts.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-'));
const config = loadConfig({
  ...process.env,
  RAPPORT_DATA_DIR: dir,
  LOG_LEVEL: 'warn',
  RAPPORT_PHONE_REGION: 'FR',
});
const ctx = await createContext(config, { quiet: true });
const token = await ctx.writer.run(async (unit) => {
  await unit.db
    .insertInto('teams')
    .values({ name: 'Care', kind: 'contact_centre', created_at: unit.now })
    .execute();
  const gateway = await createAdvisor(
    unit,
    { name: 'Gateway', email: 'gateway@bench.test', role: 'integration', passwordHash: null },
    systemActor,
  );
  return (await issueToken(unit, gateway.id, 'bench', systemActor)).token;
});
// A customer base already known before the run: contacts from known people match, others create.
const known = Number(process.env.BENCH_KNOWN ?? 10_000);
const kinds = ['email', 'chat_message', 'sms', 'social_dm', 'call'] as const;
for (let start = 0; start < known; start += 500) {
  await Promise.all(
    Array.from({ length: Math.min(500, known - start) }, (_, i) => {
      const person = start + i;
      return ctx.writer.run((unit) =>
        ingestInbound(
          unit,
          {
            kind: kinds[person % kinds.length]!,
            from: contactOf(person),
            text: `First contact from person ${person}`,
          },
          { defaultRegion: 'FR', actor: systemActor, dialect: ctx.store.dialect },
        ),
      );
    }),
  );
}
let published = 0;
ctx.bus.subscribe(() => published++);
const app = await buildServer(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });

const bare = Fastify({ logger: false });
const sample = {
  interactionId: 1,
  conversationId: 1,
  customerId: 1,
  duplicate: false,
  customerCreated: false,
  conversationOpened: false,
};
bare.post('/api/interactions/inbound', async (_request, reply) => reply.status(201).send(sample));
await bare.listen({ port: 0, host: '127.0.0.1' });

const port = (server: typeof app) => {
  const address = server.server.address();
  return typeof address === 'object' && address ? address.port : 0;
};
console.log(JSON.stringify({ rapport: port(app), bare: port(bare), token, dir }));

process.on('message', async (message) => {
  if (message === 'stats') {
    const row = await ctx.store.db
      .selectFrom('interactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    process.send?.({
      interactions: Number(row.n),
      published,
      writer: ctx.writer.stats(),
      rss: process.memoryUsage().rss,
    });
  }
  if (message === 'stop') {
    await app.close();
    await bare.close();
    await ctx.writer.drain();
    await ctx.store.close();
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
});
