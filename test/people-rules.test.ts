/**
 * Rules that keep a company able to manage itself and its people's records clean, through the HTTP
 * routes: the last administrator cannot be demoted or switched off (not even by herself, not by two
 * admins demoting each other at once), blank names and made-up languages are refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { json, password, startHarness, type Harness } from './harness.ts';

const databases = await testDatabases();

for (const database of databases) {
  describe(`people rules on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin = '';

    before(async () => {
      h = await startHarness(await database.open());
      admin = await h.signIn(h.fixture.people.admin.email);
    });
    after(() => h?.close());

    const patch = (cookie: string, id: number, payload: object) =>
      h.app.inject({ method: 'PATCH', url: `/api/advisors/${id}`, headers: { cookie }, payload });
    const adminCount = async () =>
      (
        await h.ctx.store.db
          .selectFrom('advisors')
          .select('id')
          .where('role', '=', 'admin')
          .where('active', '=', 1)
          .execute()
      ).length;

    test('the only admin cannot demote herself or switch herself off', async () => {
      assert.equal(await adminCount(), 1);
      const demote = await patch(admin, h.fixture.people.admin.id, { role: 'advisor' });
      assert.equal(demote.statusCode, 409);
      assert.match(json<{ detail: string }>(demote).detail, /last active administrator/);
      const off = await patch(admin, h.fixture.people.admin.id, { active: false });
      assert.equal(off.statusCode, 409);
      const row = await h.ctx.store.db
        .selectFrom('advisors')
        .select(['role', 'active'])
        .where('id', '=', h.fixture.people.admin.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { role: 'admin', active: 1 });
      // Still signed in: the refused change ended no session.
      const me = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: admin },
      });
      assert.equal(me.statusCode, 200);
    });

    test('a blank name is refused, a name is trimmed', async () => {
      const blank = await h.app.inject({
        method: 'POST',
        url: '/api/advisors',
        headers: { cookie: admin },
        payload: { name: '   ', email: 'blank@example.test', role: 'advisor' },
      });
      assert.equal(blank.statusCode, 422);
      const problem = json<{ errors: Array<{ field: string; reason: string }> }>(blank);
      assert.deepEqual(problem.errors[0], { field: 'name', reason: 'must not be blank' });
      const rename = await patch(admin, h.fixture.people.advisor.id, { name: ' \t ' });
      assert.equal(rename.statusCode, 422);
      const trimmed = await h.app.inject({
        method: 'POST',
        url: '/api/advisors',
        headers: { cookie: admin },
        payload: { name: '  Ana   Lima ', email: 'ana@example.test', role: 'advisor' },
      });
      assert.equal(trimmed.statusCode, 201);
      assert.equal(json<{ name: string }>(trimmed).name, 'Ana Lima');
      assert.equal(
        await h.ctx.store.db
          .selectFrom('advisors')
          .select('id')
          .where('email', '=', 'blank@example.test')
          .executeTakeFirst(),
        undefined,
      );
    });

    test('languages must be language codes', async () => {
      const cookie = admin;
      const nonsense = await patch(cookie, h.fixture.people.advisor.id, {
        languages: ['fr', 'klingon', '123'],
      });
      assert.equal(nonsense.statusCode, 422);
      assert.equal(
        json<{ errors: Array<{ field: string }> }>(nonsense).errors[0]!.field,
        'languages[1]',
      );
      const fine = await patch(cookie, h.fixture.people.advisor.id, {
        languages: ['FR', 'pt-br', 'fr'],
      });
      assert.equal(fine.statusCode, 200);
      assert.deepEqual(json<{ languages: string[] }>(fine).languages, ['fr', 'pt-BR']);
    });

    test('two admins demoting each other at once leave one admin', async () => {
      const created = await h.app.inject({
        method: 'POST',
        url: '/api/advisors',
        headers: { cookie: admin },
        payload: {
          name: 'Second Admin',
          email: 'second-admin@example.test',
          role: 'admin',
          password,
        },
      });
      assert.equal(created.statusCode, 201);
      const second = json<{ id: number; email: string }>(created);
      const secondCookie = await h.signIn(second.email);
      const [a, b] = await Promise.all([
        patch(admin, second.id, { role: 'supervisor' }),
        patch(secondCookie, h.fixture.people.admin.id, { role: 'supervisor' }),
      ]);
      assert.deepEqual([a.statusCode, b.statusCode].sort(), [200, 409]);
      assert.equal(await adminCount(), 1);
      // With another admin in place, demoting one is fine.
      const survivor = a.statusCode === 200 ? h.fixture.people.admin.id : second.id;
      assert.equal(await adminCount(), 1);
      const cookie = survivor === h.fixture.people.admin.id ? admin : secondCookie;
      const promote = await patch(cookie, h.fixture.people.supervisor.id, { role: 'admin' });
      assert.equal(promote.statusCode, 200);
      assert.equal((await patch(cookie, survivor, { role: 'supervisor' })).statusCode, 200);
      assert.equal(await adminCount(), 1);
    });
  });
}
