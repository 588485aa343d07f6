// Inbound call webhook → TwiML answer, as Twilio sees it: 1,000 customers calling in a minute (an
// open arrival model: one call every 60 ms, whatever the answers take), each a signed
// POST /webhooks/twilio/voice over HTTP, then the same 1,000 in ten seconds. SQLite (or DATABASE_URL).
// Prints p50 / p95 / p99 / max of the time to the TwiML answer. Goal: p99 under 50 ms.
// BENCH_CALLS, BENCH_SECONDS change the first run's size and spread.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/platform/config.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import { createAdvisor } from '../src/advisors/advisors.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createChannelAccount } from '../src/channels/channel-accounts.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { resolveCustomer } from '../src/customers/customers.ts';
import { setPresence } from '../src/routing/presence.ts';
import { twilioSignature } from '../src/channels/twilio/twilio-signature.ts';

const calls = Number(process.env.BENCH_CALLS ?? 1_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const token = 'bench-auth-token';
const number = '+33140000300';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rapport-bench-twilio-'));
const config = loadConfig({
  ...process.env,
  RAPPORT_DATA_DIR: dir,
  LOG_LEVEL: 'warn',
  RAPPORT_PHONE_REGION: 'FR',
  RAPPORT_PUBLIC_RATE_LIMIT: '0',
  RAPPORT_SECRET_KEY: 'a-secret-key-for-the-bench-0123456789',
  RAPPORT_PUBLIC_URL: 'https://care.example.com',
});
const ctx = await createContext(config, { quiet: true });
const box = createSecretBox(config.secretKey);
await ctx.writer.run(async (unit) => {
  const team = (
    await unit.db
      .insertInto('teams')
      .values({ name: 'Care', kind: 'contact_centre', created_at: unit.now })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await createChannelAccount(
    unit,
    box,
    {
      channel: 'voice',
      provider: 'twilio',
      displayName: 'Care line',
      address: number,
      teamId: team,
      settings: { baseUrl: 'http://127.0.0.1:9', accountSid: 'AC0' },
      secrets: { authToken: token },
    },
    systemActor,
  );
  // Twenty advisors on shift, half with a line (so some calls are put straight through).
  for (let i = 0; i < 20; i++) {
    const advisor = await createAdvisor(
      unit,
      {
        name: `Advisor ${i}`,
        email: `a${i}@bench.test`,
        role: 'advisor',
        teamId: team,
        passwordHash: null,
      },
      systemActor,
    );
    await setPresence(unit, advisor.id, 'available', systemActor);
    if (i % 2 === 0)
      await unit.db
        .insertInto('advisor_lines')
        .values({
          advisor_id: advisor.id,
          address: `+3361200${String(i).padStart(4, '0')}`,
          updated_at: unit.now,
        })
        .execute();
  }
});
// The callers: 1,000 customers known before (named), so each is greeted.
const phone = (n: number) => `+3362${String(n).padStart(7, '0')}`;
// (Callers beyond `calls` are the warm-up's, unknown to us.)
for (let start = 0; start < calls; start += 250)
  await Promise.all(
    Array.from({ length: Math.min(250, calls - start) }, (_, i) =>
      ctx.writer.run((unit) =>
        resolveCustomer(
          unit,
          { phone: phone(start + i) },
          {
            displayName: `Customer ${start + i}`,
            defaultRegion: 'FR',
            actor: systemActor,
          },
        ),
      ),
    ),
  );
const app = await buildServer(ctx);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

async function one(n: number, run: string): Promise<number> {
  const params = {
    CallSid: `CA${run}${String(n).padStart(30, '0')}`,
    AccountSid: 'AC0',
    From: phone(n),
    To: number,
    CallStatus: 'ringing',
    Direction: 'inbound',
  };
  const signature = twilioSignature(
    token,
    'https://care.example.com/webhooks/twilio/voice',
    params,
  );
  const started = performance.now();
  const response = await fetch(`${base}/webhooks/twilio/voice`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': signature,
    },
    body: new URLSearchParams(params).toString(),
  });
  const body = await response.text();
  const took = performance.now() - started;
  if (response.status !== 200 || !body.includes('<Response>'))
    throw new Error(`call ${n}: ${response.status} ${body.slice(0, 200)}`);
  return took;
}

async function runOpen(run: string, count: number, overMs: number) {
  const gap = overMs / count;
  const started = performance.now();
  const pending: Promise<number>[] = [];
  for (let n = 0; n < count; n++) {
    const due = started + n * gap;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(one(n, run));
  }
  const times = (await Promise.all(pending)).sort((a, b) => a - b);
  const at = (q: number) =>
    times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(
    `${count} calls over ${(overMs / 1000).toFixed(0)} s: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, max ${times[times.length - 1]!.toFixed(1)} ms`,
  );
}

// Warm-up (not counted): 100 calls from other numbers, so the JIT and the statement cache are warm.
for (let n = 0; n < 100; n++) await one(calls + n, 'W');
await runOpen('A', calls, seconds * 1000);
const outcomes = await ctx.store.db
  .selectFrom('calls')
  .where('provider_call_id', 'like', 'CAA%')
  .select(['outcome', (eb) => eb.fn.countAll<number>().as('n')])
  .groupBy('outcome')
  .execute();
console.log(`outcomes: ${outcomes.map((o) => `${o.outcome} ${o.n}`).join(', ')}`);
await runOpen('B', calls, 10_000);
await app.close();
await closeContext(ctx);
fs.rmSync(dir, { recursive: true, force: true });
