/**
 * Two Rapport server processes on one PostgreSQL database, both routing at once: their dispatchers run,
 * they also call routing rounds in a tight loop, take contacts over HTTP, and play advisors accepting,
 * declining and finishing work. Afterwards the event log must show no item offered twice and no advisor
 * ever above capacity. This file is also the child process: with RAPPORT_ROUTING_NODE set it runs a node.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/platform/config.ts';
import { buildServer, closeContext, createContext } from '../src/server.ts';
import type { Context } from '../src/platform/context.ts';
import { Conflict, NotFound } from '../src/platform/errors.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { createAdvisor, issueToken } from '../src/advisors/advisors.ts';
import { ingestInbound } from '../src/conversations/interactions.ts';
import { startDispatcher } from '../src/routing/dispatcher.ts';
import { dispatchWork } from '../src/routing/dispatch-round.ts';
import { acceptOffer, declineOffer } from '../src/routing/offers.ts';
import { setCapacity, setPresence } from '../src/routing/presence.ts';
import { completeWork, queueWork } from '../src/routing/work-items.ts';
import {
  DEFAULT_SERVICE_LEVELS,
  type ChannelCounts,
  type ServiceLevelPolicies,
} from '../src/routing/types.ts';

const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const runMs = 4000;
/** Short offers, so some time out and move on while the nodes race. */
const serviceLevels: ServiceLevelPolicies = Object.fromEntries(
  Object.entries(DEFAULT_SERVICE_LEVELS).map(([channel, policy]) => [
    channel,
    { ...policy, offerTimeoutMs: 400 },
  ]),
) as ServiceLevelPolicies;

/** A missed offer pauses its advisor only briefly here, so the few advisors keep working. */
const routing = { serviceLevels, missedOfferPauseMs: 300 };

type ToNode = { type: 'go' } | { type: 'stop' };
type FromNode =
  | { type: 'ready'; port: number }
  | { type: 'stopped'; rounds: number; busy: number; offers: number; failures: string[] };

if (process.env.RAPPORT_ROUTING_NODE) await runNode();
else await runSuite();

/** One server process: HTTP, its own dispatcher, a tight loop of routing rounds and busy advisors. */
async function runNode(): Promise<void> {
  const send = (message: FromNode) => process.send!(message);
  const config = loadConfig({
    DATABASE_URL: process.env.DATABASE_URL,
    RAPPORT_PHONE_REGION: 'FR',
    RAPPORT_DEMO: '0',
    LOG_LEVEL: 'error',
  });
  const ctx = await createContext(config, { quiet: true });
  const app = await buildServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const stopDispatcher = startDispatcher(ctx, { intervalMs: 20, routing });
  let stopping = false;
  const stats = { rounds: 0, busy: 0, offers: 0, failures: [] as string[] };
  const expected = (error: unknown) => error instanceof Conflict || error instanceof NotFound;

  async function dispatchLoop(): Promise<void> {
    while (!stopping) {
      const round = await ctx.writer.run((unit) => dispatchWork(unit, ctx.store.dialect, routing));
      stats.rounds++;
      if (round.busy) stats.busy++;
    }
  }
  // Offers this node made, from its loop or its dispatcher (the in-process bus hears only this node).
  ctx.bus.subscribe((event) => {
    if (event.type === 'work-item.offered') stats.offers++;
  });

  /**
   * Advisors at work, each at a desk connected to one node (here: by the parity of their id): most
   * offers are taken, some declined, a few left to time out; work gets done.
   */
  const node = Number(process.env.RAPPORT_ROUTING_NODE) - 1;
  async function advisorLoop(): Promise<void> {
    const decided = new Set<number>();
    while (!stopping) {
      const items = await ctx.store.db
        .selectFrom('work_items')
        .select(['id', 'status', 'advisor_id', 'conversation_id', 'offered_at'])
        .where('status', 'in', ['offered', 'assigned'])
        .execute();
      for (const item of items) {
        if (item.advisor_id! % 2 !== node) continue;
        const key = item.id * 1e13 + (item.offered_at ?? 0);
        const roll = Math.random();
        try {
          if (item.status === 'offered' && !decided.has(key)) {
            decided.add(key);
            if (roll < 0.8)
              await ctx.writer.run((unit) => acceptOffer(unit, item.id, item.advisor_id!));
            else if (roll < 0.9)
              await ctx.writer.run((unit) => declineOffer(unit, item.id, item.advisor_id!));
          } else if (item.status === 'assigned' && roll < 0.2)
            await ctx.writer.run((unit) =>
              completeWork(unit, item.conversation_id, { type: 'advisor', id: item.advisor_id }),
            );
        } catch (error) {
          // The other node got there first: the guards said so, which is the point.
          if (!expected(error)) stats.failures.push(String(error));
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  const loops: Array<Promise<void>> = [];
  process.on('message', (message: ToNode) => {
    if (message.type === 'go') {
      loops.push(dispatchLoop(), dispatchLoop(), advisorLoop());
      return;
    }
    stopping = true;
    void (async () => {
      try {
        await Promise.all(loops);
      } catch (error) {
        stats.failures.push(String(error));
      }
      await stopDispatcher();
      await app.close();
      await closeContext(ctx);
      send({ type: 'stopped', ...stats });
      process.disconnect();
    })();
  });
  send({ type: 'ready', port });
}

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runSuite(): Promise<void> {
  const pgUp = await postgresAnswers();
  if (!pgUp) {
    if (process.env.RAPPORT_REQUIRE_POSTGRES === '1')
      throw new Error(`PostgreSQL does not answer at ${adminUrl} and RAPPORT_REQUIRE_POSTGRES=1`);
    console.log(`# PostgreSQL does not answer at ${adminUrl}: skipping the two-node routing test`);
  }

  describe(
    'two nodes routing on one PostgreSQL',
    { skip: pgUp ? false : 'PostgreSQL not reachable' },
    () => {
      const name = `rapport_test_nodes_${process.pid}_${Date.now()}`;
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      let ctx: Context;
      let token: string;
      let team: number;
      const capacities = new Map<number, ChannelCounts>();
      const children: ChildProcess[] = [];

      before(async () => {
        const admin = new pg.Client({ connectionString: adminUrl });
        await admin.connect();
        await admin.query(`create database ${name}`);
        await admin.end();
        ctx = await createContext(
          loadConfig({
            DATABASE_URL: url.toString(),
            RAPPORT_PHONE_REGION: 'FR',
            LOG_LEVEL: 'warn',
          }),
          { quiet: true },
        );
        // Twelve advisors of one team with small mixed capacities, and 240 contacts already waiting.
        ({ team, token } = await ctx.writer.run(async (unit) => {
          const team = (
            await unit.db
              .insertInto('teams')
              .values({ name: 'Care', kind: 'contact_centre', created_at: unit.now })
              .returning('id')
              .executeTakeFirstOrThrow()
          ).id;
          for (let i = 0; i < 12; i++) {
            const advisor = await createAdvisor(
              unit,
              {
                name: `Advisor ${i}`,
                email: `advisor${i}@nodes.test`,
                role: 'advisor',
                teamId: team,
                shopId: null,
                passwordHash: null,
              },
              systemActor,
            );
            const capacity = await setCapacity(
              unit,
              advisor.id,
              { voice: i % 2, chat: 1 + (i % 3), email: 2 },
              systemActor,
            );
            capacities.set(advisor.id, capacity);
            await setPresence(unit, advisor.id, 'available', systemActor);
          }
          const gateway = await createAdvisor(
            unit,
            {
              name: 'Gateway',
              email: 'gateway@nodes.test',
              role: 'integration',
              teamId: null,
              shopId: null,
              passwordHash: null,
            },
            systemActor,
          );
          const token = (await issueToken(unit, gateway.id, 'tests', systemActor)).token;
          return { team, token };
        }));
        const kinds = ['chat_message', 'call', 'email'] as const;
        for (let i = 0; i < 240; i++) {
          const kind = kinds[i % 3]!;
          await ctx.writer.run(async (unit) => {
            const contact = await ingestInbound(
              unit,
              { kind, from: { email: `waiting${i}@example.com` }, text: 'Hello', teamId: team },
              {
                defaultRegion: 'FR',
                actor: { type: 'channel', id: null },
                dialect: ctx.store.dialect,
              },
            );
            await queueWork(unit, contact.conversationId, kind);
          });
        }
      });

      after(async () => {
        for (const child of children) if (child.exitCode === null) child.kill();
        await closeContext(ctx);
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      });

      test('no item is offered twice and no advisor goes over capacity', async () => {
        const self = fileURLToPath(import.meta.url);
        const nodes = await Promise.all(
          [1, 2].map(
            (node) =>
              new Promise<{ child: ChildProcess; port: number }>((resolve, reject) => {
                // This same test file, run as it is being run (a bundle, or the source through tsx).
                const child = fork(process.argv[1] ?? self, [], {
                  execArgv: process.execArgv,
                  env: {
                    ...process.env,
                    RAPPORT_ROUTING_NODE: String(node),
                    DATABASE_URL: url.toString(),
                  },
                  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
                });
                children.push(child);
                child.once('message', (message: FromNode) => {
                  if (message.type === 'ready') resolve({ child, port: message.port });
                });
                child.once('exit', (code) => reject(new Error(`node exited early (${code})`)));
              }),
          ),
        );
        const stopped = nodes.map(
          ({ child }) =>
            new Promise<Extract<FromNode, { type: 'stopped' }>>((resolve) =>
              child.on('message', (message: FromNode) => {
                if (message.type === 'stopped') resolve(message);
              }),
            ),
        );
        for (const { child } of nodes) child.send({ type: 'go' } satisfies ToNode);

        // While they race: new contacts reach both nodes at once (the same customer on both), and
        // every few milliseconds a consistent snapshot of who holds what is checked against capacity.
        const deadline = Date.now() + runMs;
        const statuses: number[] = [];
        let snapshots = 0;
        const overCapacity: string[] = [];
        const contacts = (async () => {
          for (let i = 0; Date.now() < deadline; i++) {
            const payload = {
              kind: i % 2 ? 'chat_message' : 'call',
              from: { email: `live${i}@example.com` },
              text: 'Hello again',
              teamId: team,
            };
            const responses = await Promise.all(
              nodes.map(({ port }) =>
                fetch(`http://127.0.0.1:${port}/api/interactions/inbound`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
                  body: JSON.stringify(payload),
                }),
              ),
            );
            for (const response of responses) {
              statuses.push(response.status);
              await response.arrayBuffer();
            }
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        })();
        while (Date.now() < deadline) {
          const loads = await ctx.store.db
            .selectFrom('work_items')
            .select(['advisor_id', 'channel', (eb) => eb.fn.countAll<number>().as('held')])
            .where('status', 'in', ['offered', 'assigned'])
            .groupBy(['advisor_id', 'channel'])
            .execute();
          snapshots++;
          const used = new Map<number, number>();
          for (const load of loads) {
            const capacity = capacities.get(load.advisor_id!)!;
            const channel = load.channel as keyof ChannelCounts;
            if (Number(load.held) > capacity[channel])
              overCapacity.push(`advisor ${load.advisor_id} held ${load.held} ${channel}`);
            used.set(
              load.advisor_id!,
              (used.get(load.advisor_id!) ?? 0) + Number(load.held) / capacity[channel],
            );
          }
          // Capacity is shared: two chats of three leave no room for a call.
          for (const [advisor, share] of used)
            if (share > 1 + 1e-9)
              overCapacity.push(`advisor ${advisor} at ${share} of their capacity`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        await contacts;
        for (const { child } of nodes) child.send({ type: 'stop' } satisfies ToNode);
        const reports = await Promise.all(stopped);

        assert.deepEqual(overCapacity, [], 'no snapshot shows an advisor over capacity');
        assert.ok(snapshots > 50, `the load was checked often (${snapshots} snapshots)`);
        assert.deepEqual(
          statuses.filter((s) => s !== 200 && s !== 201),
          [],
          'every contact was taken in, even when both nodes got it at once',
        );
        console.log(
          '# node reports',
          JSON.stringify(reports),
          'snapshots',
          snapshots,
          'contacts',
          statuses.length,
        );
        for (const report of reports) {
          assert.deepEqual(
            report.failures,
            [],
            `no unexpected failure on a node: ${report.failures.join('; ')}`,
          );
          assert.ok(report.offers > 0, `each node made offers itself (${report.offers})`);
          assert.ok(report.busy > 0, 'each node found the other dispatching at times');
        }

        // The event log, in order: an item is offered again only after a decline, a timeout or a hand-back.
        const events = await ctx.store.db
          .selectFrom('events')
          .select(['entity_id', 'type', 'after'])
          .where('entity_type', '=', 'work_item')
          .orderBy('id')
          .execute();
        const outstanding = new Map<number, number>();
        const doubles: string[] = [];
        let offers = 0;
        let expiries = 0;
        for (const event of events) {
          const id = event.entity_id!;
          if (event.type === 'work-item.offered') {
            offers++;
            const advisorId = (JSON.parse(event.after!) as { advisorId: number }).advisorId;
            if (outstanding.has(id))
              doubles.push(`item ${id} offered to ${advisorId} while with ${outstanding.get(id)}`);
            outstanding.set(id, advisorId);
          } else if (
            ['work-item.declined', 'work-item.offer-expired', 'work-item.handed-back'].includes(
              event.type,
            )
          ) {
            if (event.type === 'work-item.offer-expired') expiries++;
            outstanding.delete(id);
          }
        }
        assert.deepEqual(doubles, [], 'no item was offered twice');
        console.log(
          `# ${offers} offers (${reports.map((r) => r.offers).join(' + ')} by node), ${expiries} timed out, ` +
            `${statuses.length} contacts over HTTP, ${snapshots} load snapshots, ` +
            `rounds ${reports.map((r) => `${r.rounds} (${r.busy} found the other dispatching)`).join(' and ')}`,
        );
        // A floor, not a timing: on a loaded machine fewer rounds fit in the window, yet races still happen.
        assert.ok(offers > 30, `enough offers to matter (${offers})`);
        assert.ok(expiries > 0, 'some offers timed out and moved on');

        // Replayed in event order, no advisor ever held more than their capacity. (Event ids follow
        // commit order between routing rounds, which the lock serialises; finishing work can only
        // appear earlier than it committed, which makes this replay lenient, never wrong.)
        const items = new Map(
          (await ctx.store.db.selectFrom('work_items').select(['id', 'channel']).execute()).map(
            (i) => [i.id, i.channel as keyof ChannelCounts],
          ),
        );
        const held = new Map<number, number>();
        const holder = new Map<number, number>();
        const replayOver: string[] = [];
        for (const event of events) {
          const id = event.entity_id!;
          const channel = items.get(id)!;
          const release = () => {
            const advisor = holder.get(id);
            if (advisor === undefined) return;
            holder.delete(id);
            held.set(
              advisor * 10 + channelIndex(channel),
              (held.get(advisor * 10 + channelIndex(channel)) ?? 1) - 1,
            );
          };
          if (event.type === 'work-item.offered') {
            const advisor = (JSON.parse(event.after!) as { advisorId: number }).advisorId;
            holder.set(id, advisor);
            const key = advisor * 10 + channelIndex(channel);
            held.set(key, (held.get(key) ?? 0) + 1);
            if (held.get(key)! > capacities.get(advisor)![channel])
              replayOver.push(`advisor ${advisor} over ${channel} at item ${id}`);
          } else if (
            [
              'work-item.declined',
              'work-item.offer-expired',
              'work-item.handed-back',
              'work-item.done',
            ].includes(event.type)
          ) {
            release();
          }
        }
        assert.deepEqual(replayOver, [], 'no advisor above capacity in the replayed log');
      });
    },
  );
}

function channelIndex(channel: keyof ChannelCounts): number {
  return ['voice', 'chat', 'email', 'sms', 'social', 'shop'].indexOf(channel);
}
