/**
 * Admin and wall actions through the HTTP routes: invitations and resets by single-use,
 * expiring set-password links (only a hash stored, emailed when email is set up), API token
 * scopes and last use, audit filters, deleting or archiving a team, and the wall's actions
 * (supervisors only).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { testDatabases } from './databases.ts';
import { json, startHarness, type Harness } from './harness.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';
import { sha256 } from '../src/advisors/advisors.ts';
import { passwordLinkMailJobs } from '../src/channels/email/password-link-mail.ts';
import { createSecretBox } from '../src/platform/secrets.ts';
import { storedAccounts } from '../src/channels/send-queue.ts';
import type { Job } from '../src/platform/jobs/jobs.ts';

const databases = await testDatabases();
const secretKey = 'admin-actions-secret-key-for-tests-0123456789';

for (const database of databases) {
  describe(`admin and wall actions on ${database.name}`, { skip: database.skip }, () => {
    let h: Harness;
    let admin = '';
    let supervisor = '';
    let advisor = '';
    let sink: SmtpSink;

    before(async () => {
      h = await startHarness(await database.open(), { config: { secretKey } });
      sink = await startSmtpSink();
      admin = await h.signIn(h.fixture.people.admin.email);
      supervisor = await h.signIn(h.fixture.people.supervisor.email);
      advisor = await h.signIn(h.fixture.people.advisor.email);
    });
    after(async () => {
      await sink?.close();
      await h?.close();
    });

    const post = (cookie: string, url: string, payload?: object) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { cookie },
        ...(payload ? { payload } : {}),
      });
    const newPerson = async (n: string) => {
      const created = await post(admin, '/api/advisors', {
        name: `Invited ${n}`,
        email: `invited-${n}-${database.name}@test.rapport`,
        role: 'advisor',
        teamId: h.fixture.teams.care,
      });
      assert.equal(created.statusCode, 201, created.body);
      return json<{ id: number; email: string }>(created);
    };
    const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');

    test('an invitation link sets a password once, signs the person in, and keeps only a hash', async () => {
      const person = await newPerson('a');
      const invite = await post(admin, `/api/advisors/${person.id}/invite`);
      assert.equal(invite.statusCode, 201, invite.body);
      const answer = json<{ url: string; emailed: boolean; expiresAt: string }>(invite);
      // No email account has an SMTP server here: the admin copies the link.
      assert.equal(answer.emailed, false);
      assert.match(answer.url, /\/desk\/set-password#token=/);
      const token = tokenOf(answer.url);
      const stored = await h.ctx.store.db
        .selectFrom('password_links')
        .select(['token_hash'])
        .where('advisor_id', '=', person.id)
        .execute();
      assert.deepEqual(
        stored.map((r) => r.token_hash),
        [sha256(token)],
      );
      const anyClearToken = await h.ctx.store.db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('response_body', 'like', `%${token}%`)
        .execute()
        .catch(() => []);
      assert.equal(anyClearToken.length, 0);

      const check = await h.app.inject({
        method: 'POST',
        url: '/api/auth/password-link',
        payload: { token },
      });
      assert.equal(check.statusCode, 200);
      assert.equal(json<{ email: string }>(check).email, person.email);

      const set = await h.app.inject({
        method: 'POST',
        url: '/api/auth/set-password',
        payload: { token, password: 'a brand new password' },
      });
      assert.equal(set.statusCode, 200, set.body);
      const cookie = set.cookies.find((c) => c.name === 'rapport_session');
      assert.ok(cookie, 'signed in');
      const me = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: `rapport_session=${cookie.value}` },
      });
      assert.equal(json<{ advisor: { id: number } }>(me).advisor.id, person.id);
      const row = await h.ctx.store.db
        .selectFrom('advisors')
        .select('password_hash')
        .where('id', '=', person.id)
        .executeTakeFirstOrThrow();
      assert.match(row.password_hash ?? '', /^\$argon2id\$/);

      const again = await h.app.inject({
        method: 'POST',
        url: '/api/auth/set-password',
        payload: { token, password: 'another password here' },
      });
      assert.equal(again.statusCode, 404, 'a link works once');
      const login = await post('', '/api/auth/login', {
        email: person.email,
        password: 'a brand new password',
      });
      assert.equal(login.statusCode, 200);
    });

    test('a reset ends the person’s sessions and the old password; the email carries the link', async () => {
      // An email account with an SMTP server: links are emailed too.
      await h.ctx.store.db
        .updateTable('channel_accounts')
        .set({ settings: JSON.stringify({ smtpHost: '127.0.0.1', smtpPort: sink.port }) })
        .where('id', '=', h.fixture.accounts.email)
        .execute();
      const person = await newPerson('c');
      const first = await post(admin, `/api/advisors/${person.id}/invite`);
      const set = await h.app.inject({
        method: 'POST',
        url: '/api/auth/set-password',
        payload: { token: tokenOf(json<{ url: string }>(first).url), password: 'first password!' },
      });
      const session = `rapport_session=${set.cookies.find((c) => c.name === 'rapport_session')!.value}`;
      const reset = await post(admin, `/api/advisors/${person.id}/password-reset`);
      assert.equal(reset.statusCode, 201, reset.body);
      const answer = json<{ url: string; emailed: boolean }>(reset);
      assert.equal(answer.emailed, true);
      const me = await h.app.inject({
        method: 'GET',
        url: '/api/auth/me',
        headers: { cookie: session },
      });
      assert.equal(me.statusCode, 401, 'the session ended');
      const oldLogin = await post('', '/api/auth/login', {
        email: person.email,
        password: 'first password!',
      });
      assert.equal(oldLogin.statusCode, 401);

      const jobs = await h.ctx.store.db
        .selectFrom('jobs')
        .selectAll()
        .where('type', '=', 'advisor.password-link-email')
        .orderBy('id', 'desc')
        .execute();
      const job = jobs[0]!;
      assert.ok(!job.payload.includes(tokenOf(answer.url)), 'the job holds the link sealed');
      const box = createSecretBox(secretKey);
      const handlers = passwordLinkMailJobs({
        db: h.ctx.store.db,
        box,
        accounts: storedAccounts(box),
        now: () => h.clock.now(),
      });
      const run: Job = {
        id: job.id,
        type: job.type,
        payload: JSON.parse(job.payload) as unknown,
        attempt: 1,
        key: job.key,
      };
      await handlers['advisor.password-link-email']!(run);
      const mail = sink.accepted().at(-1)!;
      assert.deepEqual(mail.to, [person.email]);
      // Quoted-printable may wrap the link: join soft line breaks before looking for it.
      assert.ok(
        mail.raw
          .toString()
          .replace(/=\r?\n/g, '')
          .includes(tokenOf(answer.url)),
      );
    });

    test('a token’s scopes are enforced, and its last use is written at most once a minute', async () => {
      const issued = await post(admin, '/api/tokens', {
        name: 'reader',
        advisorId: h.fixture.people.gateway.id,
        scopes: ['read'],
      });
      assert.equal(issued.statusCode, 201, issued.body);
      const { id, token } = json<{ id: number; token: string }>(issued);
      const bearer = { authorization: `Bearer ${token}` };
      const read = await h.app.inject({
        method: 'GET',
        url: '/api/routing/queues',
        headers: bearer,
      });
      assert.equal(read.statusCode, 200);
      const write = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: bearer,
        payload: { kind: 'email', from: { email: 'scoped@example.com' }, text: 'hello' },
      });
      assert.equal(write.statusCode, 403);
      assert.match(json<{ type: string }>(write).type, /token-scope-missing/);
      const lastUse = async () =>
        (
          await h.ctx.store.db
            .selectFrom('api_tokens')
            .select('last_used_at')
            .where('id', '=', id)
            .executeTakeFirstOrThrow()
        ).last_used_at;
      const firstUse = Number(await lastUse());
      assert.equal(firstUse, h.clock.now());
      h.clock.advance(30_000);
      await h.app.inject({ method: 'GET', url: '/api/routing/queues', headers: bearer });
      assert.equal(Number(await lastUse()), firstUse, 'not written again within the minute');
      h.clock.advance(31_000);
      await h.app.inject({ method: 'GET', url: '/api/routing/queues', headers: bearer });
      assert.equal(Number(await lastUse()), h.clock.now());
      const list = await h.app.inject({
        method: 'GET',
        url: '/api/tokens',
        headers: { cookie: admin },
      });
      const shown = json<{ items: Array<{ id: number; scopes: string[]; lastUsedAt: string }> }>(
        list,
      ).items.find((t) => t.id === id)!;
      assert.deepEqual(shown.scopes, ['read']);
      assert.equal(shown.lastUsedAt, new Date(h.clock.now()).toISOString());
      const inboundToken = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: { kind: 'email', from: { email: 'older-token@example.com' }, text: 'hello' },
      });
      assert.equal(inboundToken.statusCode, 201, 'a token from before scopes keeps them all');
    });

    test('the audit log filters by who, what, case and date, page by page', async () => {
      const person = await newPerson('d');
      const since = new Date(h.clock.now()).toISOString();
      await post(admin, `/api/advisors/${person.id}/invite`);
      const q = (query: string) =>
        h.app
          .inject({ method: 'GET', url: `/api/events?${query}`, headers: { cookie: supervisor } })
          .then((r) => {
            assert.equal(r.statusCode, 200, r.body);
            return json<{
              items: Array<{ type: string; actor: { id: number; name: string } }>;
              nextBeforeId: number | null;
            }>(r);
          });
      const byAdmin = await q(`actorId=${h.fixture.people.admin.id}&type=advisor.invited`);
      assert.ok(byAdmin.items.length >= 1);
      assert.ok(byAdmin.items.every((e) => e.type === 'advisor.invited'));
      assert.equal(byAdmin.items[0]!.actor.name !== '', true);
      const area = await q(`type=advisor.&from=${encodeURIComponent(since)}`);
      assert.ok(area.items.every((e) => e.type.startsWith('advisor.')));
      assert.ok(area.items.some((e) => e.type === 'advisor.invited'));
      const future = await q(
        `from=${encodeURIComponent(new Date(h.clock.now() + 60_000).toISOString())}`,
      );
      assert.equal(future.items.length, 0);
      const page = await q('limit=2');
      assert.equal(page.items.length, 2);
      assert.ok(page.nextBeforeId);
      const next = await q(`limit=2&beforeId=${page.nextBeforeId}`);
      assert.ok(next.items.length > 0);
      const bad = await h.app.inject({
        method: 'GET',
        url: '/api/events?from=yesterday',
        headers: { cookie: supervisor },
      });
      assert.equal(bad.statusCode, 400);
    });

    test('a team with no history is deleted; one with cases is archived, leaves pickers, and comes back', async () => {
      const create = async (name: string) =>
        json<{ id: number }>(
          await post(admin, '/api/teams', {
            name: `${name} ${database.name}`,
            kind: 'contact_centre',
          }),
        );
      const empty = await create('Empty');
      const gone = await h.app.inject({
        method: 'DELETE',
        url: `/api/teams/${empty.id}`,
        headers: { cookie: admin },
      });
      assert.equal(gone.statusCode, 204, gone.body);

      const busy = await create('Busy');
      const opened = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: `busy-${database.name}@example.com` },
          text: 'hello',
          teamId: busy.id,
        },
      });
      assert.equal(opened.statusCode, 201, opened.body);
      const refused = await h.app.inject({
        method: 'DELETE',
        url: `/api/teams/${busy.id}`,
        headers: { cookie: admin },
      });
      assert.equal(refused.statusCode, 409);
      assert.match(json<{ detail: string }>(refused).detail, /archive it instead/);
      const archived = await h.app.inject({
        method: 'PATCH',
        url: `/api/teams/${busy.id}`,
        headers: { cookie: admin },
        payload: { archived: true },
      });
      assert.equal(archived.statusCode, 200, archived.body);
      const directory = json<{ teams: Array<{ id: number }> }>(
        await h.app.inject({
          method: 'GET',
          url: '/api/desk/directory',
          headers: { cookie: advisor },
        }),
      );
      assert.ok(!directory.teams.some((t) => t.id === busy.id), 'out of pickers');
      const routed = await h.app.inject({
        method: 'POST',
        url: '/api/interactions/inbound',
        headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
        payload: {
          kind: 'email',
          from: { email: `busy2-${database.name}@example.com` },
          text: 'hello',
          teamId: busy.id,
        },
      });
      assert.equal(routed.statusCode, 422, 'no new work for an archived team');
      const all = json<{ items: Array<{ id: number; archived: boolean }> }>(
        await h.app.inject({
          method: 'GET',
          url: '/api/teams?archived=true',
          headers: { cookie: admin },
        }),
      );
      assert.equal(all.items.find((t) => t.id === busy.id)?.archived, true);
      const restored = await h.app.inject({
        method: 'PATCH',
        url: `/api/teams/${busy.id}`,
        headers: { cookie: admin },
        payload: { archived: false },
      });
      assert.equal(restored.statusCode, 200);
      const events = await h.ctx.store.db
        .selectFrom('events')
        .select('type')
        .where('entity_type', '=', 'team')
        .where('entity_id', 'in', [empty.id, busy.id])
        .execute();
      assert.deepEqual(events.map((e) => e.type).sort(), [
        'team.archived',
        'team.created',
        'team.deleted',
        'team.restored',
      ]);
    });

    test('from the wall a supervisor reassigns a case and sets presence; an advisor gets 403', async () => {
      const opened = json<{ conversationId: number }>(
        await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: { authorization: `Bearer ${h.fixture.gatewayToken}` },
          payload: {
            kind: 'email',
            from: { email: `wall-${database.name}@example.com` },
            text: 'help',
            teamId: h.fixture.teams.care,
          },
        }),
      );
      const reassignAs = (cookie: string) =>
        post(cookie, `/api/wall/cases/${opened.conversationId}/reassign`, {
          ownerId: h.fixture.people.techAdvisor.id,
          teamId: h.fixture.teams.tech,
        });
      assert.equal((await reassignAs(advisor)).statusCode, 403);
      const moved = await reassignAs(supervisor);
      assert.equal(moved.statusCode, 200, moved.body);
      assert.deepEqual(json(moved), {
        id: opened.conversationId,
        ownerId: h.fixture.people.techAdvisor.id,
        teamId: h.fixture.teams.tech,
        // Nothing live stays with someone else: the case had no call or chat in progress.
        staysWith: null,
      });
      const presenceAs = (cookie: string) =>
        h.app.inject({
          method: 'PUT',
          url: `/api/wall/advisors/${h.fixture.people.advisor.id}/presence`,
          headers: { cookie },
          payload: { presence: 'break' },
        });
      assert.equal((await presenceAs(advisor)).statusCode, 403);
      assert.equal((await presenceAs(supervisor)).statusCode, 200);
      const capacityAs = (cookie: string) =>
        h.app.inject({
          method: 'PUT',
          url: `/api/routing/advisors/${h.fixture.people.advisor.id}/capacity`,
          headers: { cookie },
          payload: { chat: 1 },
        });
      assert.equal((await capacityAs(advisor)).statusCode, 403);
      assert.equal((await capacityAs(supervisor)).statusCode, 200);
      const recorded = await h.ctx.store.db
        .selectFrom('events')
        .select(['type', 'actor_id'])
        .where('type', 'in', ['conversation.updated', 'presence.changed'])
        .where('actor_id', '=', h.fixture.people.supervisor.id)
        .execute();
      assert.deepEqual([...new Set(recorded.map((e) => e.type))].sort(), [
        'conversation.updated',
        'presence.changed',
      ]);
    });

    test('a link expires', async () => {
      const person = await newPerson('b');
      const invite = await post(admin, `/api/advisors/${person.id}/invite`);
      const token = tokenOf(json<{ url: string }>(invite).url);
      h.clock.advance(8 * 24 * 3_600_000);
      const late = await h.app.inject({
        method: 'POST',
        url: '/api/auth/set-password',
        payload: { token, password: 'too late for this one' },
      });
      assert.equal(late.statusCode, 404);
    });
  });
}
