import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../test/harness.ts';
import { testDatabases } from '../../test/databases.ts';
import type { PersonalSettings } from '../api-types/collision.ts';
import { defaultAlertSettings } from './personal-settings.ts';

for (const database of await testDatabases()) {
  describe(`an advisor's own alert settings, on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let advisor: string;
    let colleague: string;

    before(async () => {
      h = await startHarness(await database.open());
      advisor = await h.signIn(h.fixture.people.advisor.email);
      colleague = await h.signIn(h.fixture.people.supervisor.email);
    });
    after(() => h.close());

    const read = async (cookie: string) =>
      json<PersonalSettings>(
        await h.app.inject({ method: 'GET', url: '/api/me/settings', headers: { cookie } }),
      );
    const save = (cookie: string, payload: Record<string, unknown>) =>
      h.app.inject({ method: 'PUT', url: '/api/me/settings', headers: { cookie }, payload });

    test('the tab title is on by default; what one advisor chooses is theirs alone, and recorded', async () => {
      assert.deepEqual((await read(advisor)).alerts, defaultAlertSettings);
      const chosen = {
        alerts: {
          offers: { sound: true, desktop: true, title: true },
          messages: { sound: false, desktop: true, title: false },
        },
      };
      const saved = await save(advisor, chosen);
      assert.equal(saved.statusCode, 200, saved.body);
      assert.deepEqual(json(saved), chosen);
      assert.deepEqual(await read(advisor), chosen);
      assert.deepEqual((await read(colleague)).alerts, defaultAlertSettings);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('entity_id')
        .where('type', '=', 'advisor.settings-changed')
        .execute();
      assert.deepEqual(
        events.map((e) => Number(e.entity_id)),
        [h.fixture.people.advisor.id],
      );
    });

    test('a setting that is not true or false, a missing one or an unknown one is refused in plain words', async () => {
      const notBoolean = await save(advisor, {
        alerts: {
          offers: { sound: 'loud', desktop: false, title: true },
          messages: { sound: false, desktop: false, title: true },
        },
      });
      assert.equal(notBoolean.statusCode, 400);
      const problem = json<{ errors: Array<{ field: string; reason: string }> }>(notBoolean);
      assert.deepEqual(problem.errors[0], {
        field: 'alerts.offers.sound',
        reason: 'must be true or false',
      });
      const missing = await save(advisor, {
        alerts: { offers: { sound: true, desktop: false, title: true } },
      });
      assert.equal(missing.statusCode, 400);
      assert.equal(
        json<{ errors: Array<{ field: string }> }>(missing).errors[0]?.field,
        'alerts.messages',
      );
      const unknown = await save(advisor, {
        alerts: {
          offers: { sound: true, desktop: false, title: true, vibrate: true },
          messages: { sound: false, desktop: false, title: true },
        },
      });
      assert.equal(unknown.statusCode, 400);
      assert.deepEqual(json<{ errors: unknown[] }>(unknown).errors[0], {
        field: 'alerts.offers.vibrate',
        reason: 'is not a known field',
      });
      // Nothing refused was kept.
      assert.equal((await read(advisor)).alerts.offers.desktop, true);
    });
  });
}
