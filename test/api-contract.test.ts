import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { testDatabases } from './databases.ts';
import { errorCatalogue, problemTypeBase, type ErrorCode } from '../src/platform/errors.ts';
import { json, password, startHarness, type Harness } from './harness.ts';
import { compileRouteSchemas } from '../src/platform/http/app.ts';

const databases = await testDatabases();

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: Array<{ field: string; reason: string }>;
}

/** Checks the response is an RFC 9457 problem with this status, and returns it. */
function problem(response: LightMyRequestResponse, status: number): Problem {
  assert.equal(response.statusCode, status, response.body.slice(0, 500));
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
  const body = json<Problem>(response);
  assert.equal(body.status, status);
  assert.ok(body.type.startsWith(problemTypeBase), body.type);
  // The type names a catalogued code answered with exactly this status.
  const code = body.type.slice(problemTypeBase.length);
  assert.ok(Object.hasOwn(errorCatalogue, code), `${code} is not in the error catalogue`);
  assert.equal(errorCatalogue[code as ErrorCode].status, status, `${code} answered with ${status}`);
  assert.ok(body.title.length > 0);
  assert.ok(body.detail.length > 0);
  return body;
}

/** Asserts the problem names this field, with a reason matching the pattern. */
function names(body: Problem, field: string, reason: RegExp): void {
  const found = (body.errors ?? []).find((e) => e.field === field);
  assert.ok(found, `no error for ${field} in ${JSON.stringify(body.errors)}`);
  assert.match(found.reason, reason);
  assert.ok(body.detail.includes(field), `the detail "${body.detail}" does not name ${field}`);
}

for (const db of databases) {
  describe(`the HTTP API contract on ${db.name}`, { skip: db.skip }, () => {
    let h: Harness;
    let admin: Record<string, string>;
    let advisor: Record<string, string>;
    let gateway: Record<string, string>;
    let cases = 0;

    const as = (headers: Record<string, string>, options: InjectOptions) =>
      h.app.inject({
        ...options,
        headers: { ...headers, ...(options.headers as Record<string, string> | undefined) },
      });

    /** A customer of this test's own with an open case, arrived by email. */
    const openCase = async (): Promise<{ customerId: number; conversationId: number }> => {
      const inbound = await as(gateway, {
        method: 'POST',
        url: '/api/interactions/inbound',
        payload: {
          kind: 'email',
          from: { email: `case-${++cases}@example.com` },
          text: 'Hello',
          teamId: h.fixture.teams.care,
        },
      });
      assert.equal(inbound.statusCode, 201, inbound.body);
      return json<{ customerId: number; conversationId: number }>(inbound);
    };

    before(async () => {
      h = await startHarness(await db.open());
      admin = { cookie: await h.signIn(h.fixture.people.admin.email) };
      advisor = { cookie: await h.signIn(h.fixture.people.advisor.email) };
      gateway = { authorization: `Bearer ${h.fixture.gatewayToken}` };
    });
    after(() => h?.close());

    test('every route’s schema compiles, as serve compiles them all before listening', async () => {
      await h.app.ready();
      const compiled = compileRouteSchemas(h.app);
      assert.ok(compiled > 150, `only ${compiled} validators`);
    });

    describe('validation errors are problem documents naming the field and the reason', () => {
      test('a missing field', async () => {
        const response = await as(advisor, {
          method: 'POST',
          url: '/api/customers',
          payload: { contact: { email: 'x@example.com' } },
        });
        names(problem(response, 400), 'displayName', /required/);
      });

      test('a field of the wrong type', async () => {
        const response = await as(advisor, {
          method: 'POST',
          url: '/api/customers',
          payload: { displayName: { first: 'Ann' }, contact: { email: 'ann@example.com' } },
        });
        names(problem(response, 400), 'displayName', /must be text/);
        const { conversationId } = await openCase();
        const priority = await as(advisor, {
          method: 'PATCH',
          url: `/api/conversations/${conversationId}`,
          payload: { priority: 'whenever' },
        });
        assert.ok(problem(priority, 400).errors?.some((e) => e.field === 'priority'));
      });

      test('unknown fields are refused, so owner, role or id cannot be assigned through a body', async () => {
        const { customerId, conversationId } = await openCase();
        const withRole = await as(advisor, {
          method: 'POST',
          url: '/api/customers',
          payload: {
            displayName: 'Mallory',
            contact: { email: 'mallory@example.com' },
            role: 'admin',
            id: 1,
          },
        });
        const body = problem(withRole, 400);
        names(body, 'role', /not a known field/);
        names(body, 'id', /not a known field/);

        const nested = await as(advisor, {
          method: 'POST',
          url: '/api/customers',
          payload: {
            displayName: 'Mallory',
            contact: { email: 'mallory@example.com', verified: true },
          },
        });
        names(problem(nested, 400), 'contact.verified', /not a known field/);

        const owner = await as(advisor, {
          method: 'PATCH',
          url: `/api/customers/${customerId}`,
          payload: { ownerId: h.fixture.people.advisor.id },
        });
        names(problem(owner, 400), 'ownerId', /not a known field/);
        const move = await as(advisor, {
          method: 'PATCH',
          url: `/api/conversations/${conversationId}`,
          payload: { customerId: 99 },
        });
        names(problem(move, 400), 'customerId', /not a known field/);
        // Where role is a known field (changing an advisor), only an admin may send it.
        const promote = await as(advisor, {
          method: 'PATCH',
          url: `/api/advisors/${h.fixture.people.advisor.id}`,
          payload: { role: 'admin' },
        });
        problem(promote, 403);
        const me = await as(advisor, { method: 'GET', url: '/api/auth/me' });
        assert.equal(json<{ advisor: { role: string } }>(me).advisor.role, 'advisor');

        // Nothing was created or changed.
        const customers = await h.ctx.store.db
          .selectFrom('customers')
          .select('display_name')
          .where('display_name', '=', 'Mallory')
          .execute();
        assert.deepEqual(customers, []);
      });

      test('a phone number that is not one names from.phone', async () => {
        const response = await as(gateway, {
          method: 'POST',
          url: '/api/interactions/inbound',
          payload: { kind: 'call', from: { phone: 'call me maybe' }, text: 'Missed call' },
        });
        names(problem(response, 422), 'from.phone', /not a valid phone number/);
      });

      test('an email address that is not one names the field', async () => {
        const response = await as(advisor, {
          method: 'POST',
          url: '/api/customers',
          payload: { displayName: 'Bad', contact: { email: 'not-an-email' } },
        });
        names(problem(response, 422), 'contact.email', /not an email address/);
        const inbound = await as(gateway, {
          method: 'POST',
          url: '/api/interactions/inbound',
          payload: { kind: 'email', from: { email: 'a@@b' }, text: 'x' },
        });
        names(problem(inbound, 422), 'from.email', /not an email address/);
      });

      test('query strings and path parameters are checked the same way', async () => {
        names(
          problem(await as(advisor, { method: 'GET', url: '/api/customers?limit=0' }), 400),
          'querystring.limit',
          /must be/,
        );
        names(
          problem(await as(advisor, { method: 'GET', url: '/api/customers?orderBy=name' }), 400),
          'querystring.orderBy',
          /not a known field/,
        );
        names(
          problem(await as(advisor, { method: 'GET', url: '/api/customers/abc' }), 400),
          'params.id',
          /must be/,
        );
        names(
          problem(await as(advisor, { method: 'GET', url: '/api/customers?cursor=bm9wZQ' }), 422),
          'cursor',
          /not a cursor/,
        );
      });
    });

    test('sorting takes only the values on its list', async () => {
      for (const sort of [
        'last_interaction_desc',
        'last_interaction_asc',
        'created_desc',
        'priority_desc',
      ]) {
        const response = await as(advisor, {
          method: 'GET',
          url: `/api/conversations?sort=${sort}`,
        });
        assert.equal(response.statusCode, 200, `${sort}: ${response.body}`);
      }
      for (const sort of ['subject', 'id;drop table customers', 'created_at desc']) {
        const response = await as(advisor, {
          method: 'GET',
          url: `/api/conversations?sort=${encodeURIComponent(sort)}`,
        });
        assert.ok(problem(response, 400).errors?.some((e) => e.field === 'querystring.sort'));
      }
    });

    test('a body over the size limit is refused with 413', async () => {
      const response = await as(advisor, {
        method: 'POST',
        url: '/api/customers',
        payload: {
          displayName: 'x'.repeat(h.ctx.config.bodyLimitBytes + 1),
          contact: { email: 'big@example.com' },
        },
      });
      problem(response, 413);
    });

    test('a body that is not JSON is refused with 400', async () => {
      const response = await as(advisor, {
        method: 'POST',
        url: '/api/customers',
        headers: { 'content-type': 'application/json' },
        payload: '{"displayName": "Half',
      });
      names(problem(response, 400), 'body', /not valid JSON/);
    });

    describe('Idempotency-Key', () => {
      test('the same key and body replay the first answer and create one record', async () => {
        const send = () =>
          as(advisor, {
            method: 'POST',
            url: '/api/customers',
            headers: { 'idempotency-key': 'create-zoe-1' },
            payload: { displayName: 'Zoé Once', contact: { email: 'zoe.once@example.com' } },
          });
        const first = await send();
        assert.equal(first.statusCode, 201, first.body);
        assert.equal(first.headers['idempotent-replayed'], undefined);
        const second = await send();
        assert.equal(second.statusCode, 201);
        assert.equal(second.headers['idempotent-replayed'], 'true');
        assert.deepEqual(json(second), json(first));
        const rows = await h.ctx.store.db
          .selectFrom('identities')
          .select('customer_id')
          .where('value', '=', 'zoe.once@example.com')
          .execute();
        assert.equal(rows.length, 1);
        const created = await h.ctx.store.db
          .selectFrom('events')
          .select('id')
          .where('type', '=', 'customer.created')
          .where('entity_id', '=', rows[0]!.customer_id)
          .execute();
        assert.equal(created.length, 1, 'one audit event for one creation');
      });

      test('the same key with a different body is a conflict', async () => {
        const send = (name: string) =>
          as(advisor, {
            method: 'POST',
            url: '/api/customers',
            headers: { 'idempotency-key': 'create-yann-1' },
            payload: { displayName: name, contact: { email: 'yann@example.com' } },
          });
        assert.equal((await send('Yann')).statusCode, 201);
        problem(await send('Yann Changed'), 409);
      });

      test('concurrent requests with the same key create one record', async () => {
        const send = () =>
          as(advisor, {
            method: 'POST',
            url: '/api/customers',
            headers: { 'idempotency-key': 'create-race-1' },
            payload: { displayName: 'Racing', contact: { email: 'racing@example.com' } },
          });
        const answers = await Promise.all([send(), send(), send(), send()]);
        assert.deepEqual(
          answers.map((a) => a.statusCode),
          [201, 201, 201, 201],
        );
        assert.equal(answers.filter((a) => a.headers['idempotent-replayed'] === 'true').length, 3);
        const rows = await h.ctx.store.db
          .selectFrom('identities')
          .select('customer_id')
          .where('value', '=', 'racing@example.com')
          .execute();
        assert.equal(rows.length, 1);
      });

      const creates: Array<{
        route: string;
        who: () => Record<string, string>;
        url: (own: { customerId: number; conversationId: number }) => string;
        body: (own: { customerId: number; conversationId: number }) => Record<string, unknown>;
        /** A replay's answer, when it differs from the first: a secret shown once is not again. */
        replayed?: (first: Record<string, unknown>) => Record<string, unknown>;
      }> = [
        {
          route: 'POST /api/customers',
          who: () => advisor,
          url: () => '/api/customers',
          body: () => ({ displayName: 'Idem', contact: { email: 'idem@example.com' } }),
        },
        {
          route: 'POST /api/customers/:id/identities',
          who: () => advisor,
          url: ({ customerId }) => `/api/customers/${customerId}/identities`,
          body: () => ({ email: 'idem-linked@example.com' }),
        },
        {
          route: 'POST /api/conversations',
          who: () => advisor,
          url: () => '/api/conversations',
          body: ({ customerId }) => ({ customerId, subject: 'Idem case', channel: 'email' }),
        },
        {
          route: 'POST /api/conversations/:id/interactions',
          who: () => advisor,
          url: ({ conversationId }) => `/api/conversations/${conversationId}/interactions`,
          body: () => ({ kind: 'note', text: 'idem note' }),
        },
        {
          route: 'POST /api/interactions/inbound',
          who: () => gateway,
          url: () => '/api/interactions/inbound',
          body: () => ({ kind: 'sms', from: { phone: '+33612345679' }, text: 'idem' }),
        },
        {
          route: 'POST /api/advisors',
          who: () => admin,
          url: () => '/api/advisors',
          body: () => ({ name: 'Idem', email: 'idem@test.rapport', role: 'advisor' }),
        },
        {
          route: 'POST /api/tokens',
          who: () => admin,
          url: () => '/api/tokens',
          body: () => ({ name: 'idem', advisorId: h.fixture.people.gateway.id }),
          replayed: (first) => ({
            id: first.id,
            token: null,
            note: 'the token was shown once, when it was issued; issue a new one if it was lost',
          }),
        },
      ];
      for (const create of creates) {
        test(`${create.route} honours the key`, async () => {
          const own = await openCase();
          const send = () =>
            as(create.who(), {
              method: 'POST',
              url: create.url(own),
              headers: { 'idempotency-key': `every-create ${create.route}` },
              payload: create.body(own),
            });
          const first = await send();
          assert.equal(first.statusCode, 201, first.body);
          const second = await send();
          assert.equal(second.statusCode, 201, second.body);
          assert.equal(second.headers['idempotent-replayed'], 'true');
          const firstAnswer = json(first);
          assert.deepEqual(
            json(second),
            create.replayed ? create.replayed(firstAnswer) : firstAnswer,
          );
        });
      }
    });

    test('the request id is echoed in the header and in problem documents', async () => {
      const ok = await as(advisor, {
        method: 'GET',
        url: '/api/teams',
        headers: { 'x-request-id': 'contract-123' },
      });
      assert.equal(ok.headers['x-request-id'], 'contract-123');
      const failed = await as(advisor, {
        method: 'GET',
        url: '/api/customers/999999',
        headers: { 'x-request-id': 'contract-456' },
      });
      assert.equal(failed.headers['x-request-id'], 'contract-456');
      assert.equal(problem(failed, 404).requestId, 'contract-456');
      const generated = await h.app.inject({ method: 'GET', url: '/healthz' });
      assert.match(String(generated.headers['x-request-id']), /^[0-9a-f-]{36}$/);
    });

    test('/api/openapi.json describes the main paths, with a body schema for every write', async () => {
      const response = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
      assert.equal(response.statusCode, 200);
      const spec = json<{
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: unknown }>>;
      }>(response);
      assert.match(spec.openapi, /^3\./);
      for (const path of [
        '/api/auth/login',
        '/api/customers',
        '/api/customers/{id}',
        '/api/customers/{id}/timeline',
        '/api/customers/{id}/merge',
        '/api/conversations',
        '/api/conversations/{id}',
        '/api/conversations/{id}/interactions',
        '/api/interactions/inbound',
        '/api/search',
        '/api/events',
        '/healthz',
        '/readyz',
      ]) {
        assert.ok(spec.paths[path], `${path} is missing from the OpenAPI document`);
      }
      for (const [method, path] of [
        ['post', '/api/auth/login'],
        ['post', '/api/customers'],
        ['patch', '/api/customers/{id}'],
        ['post', '/api/customers/{id}/merge'],
        ['post', '/api/conversations'],
        ['patch', '/api/conversations/{id}'],
        ['post', '/api/conversations/{id}/interactions'],
        ['post', '/api/interactions/inbound'],
      ] as const) {
        assert.ok(
          spec.paths[path]?.[method]?.requestBody,
          `${method.toUpperCase()} ${path} has no body schema in the OpenAPI document`,
        );
      }
    });

    describe('sessions', () => {
      // Sign-in tries are counted per address: each test signs in from its own, so the tries of
      // one never count towards the rate limit of another.
      const login = (email: string, secret: string, remoteAddress: string) =>
        h.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email, password: secret },
          remoteAddress,
        });

      test('login sets an httpOnly SameSite cookie and logout ends the session', async () => {
        const response = await login(h.fixture.people.supervisor.email, password, '10.0.0.2');
        assert.equal(response.statusCode, 200, response.body);
        const cookie = response.cookies.find((c) => c.name === 'rapport_session');
        assert.ok(cookie, 'no session cookie');
        assert.equal(cookie.httpOnly, true);
        assert.match(String(cookie.sameSite), /^(Lax|Strict)$/i);
        assert.equal(cookie.path, '/');
        assert.ok((cookie.maxAge ?? 0) > 0);
        assert.ok(
          !('password_hash' in json<{ advisor: Record<string, unknown> }>(response).advisor),
        );
        const header = { cookie: `rapport_session=${cookie.value}` };

        assert.equal((await as(header, { method: 'GET', url: '/api/auth/me' })).statusCode, 200);
        const logout = await as(header, { method: 'POST', url: '/api/auth/logout' });
        assert.equal(logout.statusCode, 204);
        const cleared = logout.cookies.find((c) => c.name === 'rapport_session');
        assert.ok(cleared && cleared.value === '', 'logout clears the cookie');
        problem(await as(header, { method: 'GET', url: '/api/auth/me' }), 401);
      });

      test('a wrong password and an unknown email get the same answer', async () => {
        const wrong = problem(
          await login(h.fixture.people.supervisor.email, 'not the password', '10.0.0.3'),
          401,
        );
        const unknown = problem(
          await login('nobody@test.rapport', 'not the password', '10.0.0.3'),
          401,
        );
        const integration = problem(
          await login(h.fixture.people.gateway.email, 'not the password', '10.0.0.3'),
          401,
        );
        const strip = ({ requestId: _r, instance: _i, ...rest }: Problem) => rest;
        assert.deepEqual(strip(wrong), strip(unknown));
        assert.deepEqual(strip(integration), strip(unknown));
      });

      test('login is rate-limited: the eleventh failed try from one address in ten minutes is refused with 429', async () => {
        const attacker = { remoteAddress: '10.0.0.66' };
        // Each guess on another account: one account has a lower limit of its own (login-limits.ts).
        for (let i = 1; i <= 10; i++) {
          const response = await h.app.inject({
            method: 'POST',
            url: '/api/auth/login',
            payload: { email: `guess-${i}@test.rapport`, password: `guess ${i}` },
            ...attacker,
          });
          assert.equal(response.statusCode, 401, `try ${i}`);
        }
        const refused = await h.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: 'admin@test.rapport', password },
          ...attacker,
        });
        problem(refused, 429);
        // Someone else is not locked out by it.
        const other = await h.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: h.fixture.people.advisor.email, password },
          remoteAddress: '10.0.0.67',
        });
        assert.equal(other.statusCode, 200);
      });
    });
  });
}
