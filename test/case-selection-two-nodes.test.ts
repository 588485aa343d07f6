/**
 * Two nodes (two stores, two connection pools, two writers) on one PostgreSQL database take in a
 * first contact from the same known customer at the same moment: exactly one case opens, and both
 * contacts land in it. SQLite has one writer connection per database, so it cannot race this way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { testDatabases } from './databases.ts';
import { migrate, openStore, type Store } from '../src/platform/db/connect.ts';
import { createWriter, type Writer } from '../src/platform/db/writer.ts';
import { inProcessBus } from '../src/platform/events/bus.ts';
import { systemClock } from '../src/platform/clock.ts';
import { systemActor } from '../src/platform/events/event.ts';
import { resolveCustomer } from '../src/customers/customers.ts';
import { ingestInbound } from '../src/conversations/interactions.ts';
import { activeStatuses } from '../src/conversations/conversations.ts';

const adminUrl = process.env.RAPPORT_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const postgres = (await testDatabases()).find((d) => d.name === 'postgres')!;
const rounds = 60;

describe('two nodes and one customer on postgres', { skip: postgres.skip }, () => {
  const name = `rapport_test_cases_${process.pid}_${Date.now()}`;
  let nodes: Array<{ store: Store; writer: Writer }> = [];

  before(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    nodes = [0, 1].map(() => {
      const store = openStore({ databaseUrl: url.toString() });
      return { store, writer: createWriter(store.db, inProcessBus(), systemClock) };
    });
    await migrate(nodes[0]!.store);
  });

  after(async () => {
    // Drained first: a writer still marking events published would retry against a closed pool.
    for (const node of nodes) await node.writer.drain();
    for (const node of nodes) await node.store.close();
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  });

  test('first contacts of one customer arriving on two nodes at once open exactly one case', async () => {
    for (let round = 0; round < rounds; round++) {
      const email = `customer-${round}@example.test`;
      // Known already (an earlier visit, say), with no case open.
      const { customerId } = await nodes[0]!.writer.run((unit) =>
        resolveCustomer(unit, { email }, { defaultRegion: 'FR', actor: systemActor }),
      );
      const results = await Promise.all(
        nodes.map((node, i) =>
          node.writer.run((unit) =>
            ingestInbound(
              unit,
              { kind: i === 0 ? 'email' : 'chat_message', from: { email }, text: `hello ${i}` },
              { defaultRegion: 'FR', actor: systemActor, dialect: node.store.dialect },
            ),
          ),
        ),
      );
      const open = await nodes[0]!.store.db
        .selectFrom('conversations')
        .select('id')
        .where('customer_id', '=', customerId)
        .where('status', 'in', activeStatuses)
        .execute();
      assert.equal(open.length, 1, `round ${round}: ${open.length} active cases`);
      assert.deepEqual(
        results.map((r) => r.conversationId),
        [open[0]!.id, open[0]!.id],
      );
      assert.equal(results.filter((r) => r.conversationOpened).length, 1);
    }
  });
});
