import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { testDatabases } from './databases.ts';
import { gatewaySecret, json, startHarness, type Harness } from './harness.ts';
import { signatureHeader } from '../src/channels/webhook/gateway.ts';

const missingId = 987_654;

interface Problem {
  type: string;
  status: number;
  errors?: { field: string; reason: string }[];
}

const describeBody = (response: LightMyRequestResponse) =>
  `${response.statusCode} ${response.body.slice(0, 300)}`;

/** Every "METHOD /path" the server answers, read from Fastify's route tree. */
function registeredRoutes(app: FastifyInstance): string[] {
  const found = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at < 1) continue;
    const depth = (at - 1) / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 3))!;
    stack.length = depth;
    stack.push(match[1]!);
    for (const method of match[2]?.split(', ') ?? []) found.add(`${method} ${stack.join('')}`);
  }
  return [...found].sort();
}

/** A path of the route with every parameter filled in (the record need not exist). */
const visit = (path: string) => path.replace(/:[A-Za-z]+/g, '1').replace('*', 'x');

function assertBadText(response: LightMyRequestResponse, field: string, what: string) {
  assert.equal(response.statusCode, 400, `${what}: ${describeBody(response)}`);
  const problem = json<Problem>(response);
  assert.equal(problem.type, 'https://rapport.dev/problems/validation-failed', what);
  assert.equal(problem.errors?.[0]?.field, field, what);
}

for (const database of await testDatabases()) {
  describe(
    `bad input on ${database.name} is refused, never a server error`,
    { skip: database.skip },
    () => {
      let h: Harness;
      let admin: string;
      let integration: Record<string, string>;
      let customerId: number;
      let conversationId: number;

      before(async () => {
        h = await startHarness(await database.open(), { gateway: true });
        admin = await h.signIn(h.fixture.people.admin.email);
        integration = { authorization: `Bearer ${h.fixture.gatewayToken}` };
        const first = await h.app.inject({
          method: 'POST',
          url: '/api/interactions/inbound',
          headers: integration,
          payload: { kind: 'email', from: { email: 'ada@example.com' }, text: 'Hello' },
        });
        assert.equal(first.statusCode, 201, describeBody(first));
        ({ customerId, conversationId } = json<{ customerId: number; conversationId: number }>(
          first,
        ));
      });
      after(() => h?.close());

      const asAdmin = (options: InjectOptions) =>
        h.app.inject({ ...options, headers: { cookie: admin, ...options.headers } });

      test('a NUL, a lone surrogate or bytes that are not UTF-8 in any route’s body: 400 naming the field', async () => {
        // Routes that take raw bytes rather than JSON text: the gateway (signed bytes, tested below),
        // Twilio's webhooks and the PBX's call events (signed bytes too, whose text is checked once
        // the signature holds: src/channels/twilio/twilio.test.ts) and the chat widget's file upload (a file's bytes; its type and content are checked by
        // src/channels/chat/uploads.ts and chat-extras.test.ts).
        const walked = registeredRoutes(h.app).filter(
          (r) =>
            /^(POST|PUT|PATCH|DELETE) /.test(r) &&
            !r.includes('/webhooks/gateway/') &&
            !r.includes('/webhooks/twilio/') &&
            r !== 'POST /webhooks/calls' &&
            r !== 'POST /api/widget/:key/uploads' &&
            // A repair's photo: an image's bytes, told by them (src/channels/shop/repairs.test.ts).
            r !== 'POST /api/repairs/:id/photos',
        );
        assert.ok(walked.length > 30, `only ${walked.length} write routes found`);
        for (const route of walked) {
          const [method, path] = route.split(' ') as ['POST', string];
          const url = visit(path);
          const send = (payload: string | Buffer) =>
            asAdmin({ method, url, headers: { 'content-type': 'application/json' }, payload });
          assertBadText(await send('{"text":"a\\u0000b"}'), 'text', `${route} with a NUL`);
          assertBadText(
            await send('{"note":{"text":["ok","\\ud800"]}}'),
            'note.text.1',
            `${route} with a lone surrogate`,
          );
          assertBadText(
            await send(Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
            'body',
            `${route} with bytes that are not UTF-8`,
          );
        }
      });

      test('a NUL in a query string or a path parameter of any route: 400 naming it', async () => {
        for (const route of registeredRoutes(h.app)) {
          if (route.startsWith('HEAD ') || route.includes('/webhooks/gateway/')) continue;
          if (route === 'GET /api/live') continue;
          const [method, path] = route.split(' ') as ['GET', string];
          const response = await asAdmin({ method, url: `${visit(path)}?q=a%00b` });
          assertBadText(response, 'querystring.q', `${route} with a NUL in its query`);
        }
        assertBadText(
          await asAdmin({ url: '/api/conversations/%00' }),
          'params.id',
          'a NUL for an id',
        );
      });

      test('the real text routes refuse a NUL where they used to store it or fail', async () => {
        const cases: [InjectOptions, string][] = [
          [
            {
              method: 'POST',
              url: '/api/interactions/inbound',
              headers: integration,
              payload: { kind: 'email', from: { email: 'nul@example.com' }, text: 'Hi\u0000there' },
            },
            'text',
          ],
          [
            {
              method: 'POST',
              url: `/api/conversations/${conversationId}/interactions`,
              headers: { cookie: admin },
              payload: { kind: 'note', text: 'note\u0000' },
            },
            'text',
          ],
          [
            {
              method: 'PATCH',
              url: `/api/conversations/${conversationId}`,
              headers: { cookie: admin },
              payload: { subject: 'sub\ud800ject' },
            },
            'subject',
          ],
        ];
        for (const [options, field] of cases) {
          const response = await h.app.inject(options);
          assertBadText(response, field, `${options.method} ${options.url}`);
        }
        const texts = await h.ctx.store.db.selectFrom('interactions').select('text').execute();
        assert.ok(texts.every((t) => !t.text.includes('\u0000')));
      });

      test('the gateway refuses a NUL, a lone surrogate and bytes that are not UTF-8 with 400', async () => {
        const accountId = h.fixture.accounts.email;
        const post = (raw: Buffer) =>
          h.app.inject({
            method: 'POST',
            url: `/webhooks/gateway/${accountId}`,
            headers: {
              'content-type': 'application/json',
              'rapport-signature': signatureHeader(gatewaySecret, raw, h.clock.now()),
            },
            payload: raw,
          });
        const contact = (text: string) =>
          `{"contacts":[{"id":"bad-${text.length}","from":{"email":"gw@example.com"},"text":"${text}"}]}`;
        assertBadText(await post(Buffer.from(contact('a\\u0000b'))), 'contacts.0.text', 'NUL');
        assertBadText(await post(Buffer.from(contact('a\\udc00'))), 'contacts.0.text', 'surrogate');
        const invalid = Buffer.concat([
          Buffer.from(contact('x').slice(0, -5)),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}]}'),
        ]);
        assertBadText(await post(invalid), 'body', 'not UTF-8');
        const ok = await post(Buffer.from(contact('fine é ✓')));
        assert.equal(ok.statusCode, 200, describeBody(ok));
      });

      test('ids beyond the safe integer range or infinite, in paths, queries and bodies: 400 or 404', async () => {
        const huge = ['9007199254740993', '100000000000000000000', '1e400', 'Infinity'];
        for (const id of huge) {
          for (const url of [
            `/api/conversations/${id}`,
            `/api/customers/${id}`,
            `/api/conversations?teamId=${id}`,
            `/api/audit?entityId=${id}`,
          ]) {
            const response = await asAdmin({ url });
            assert.ok(
              [400, 404].includes(response.statusCode),
              `${url}: ${describeBody(response)}`,
            );
          }
        }
        const bodies: [InjectOptions, string][] = [
          [
            {
              method: 'POST',
              url: '/api/conversations',
              payload: `{"customerId":1e400,"subject":"s","channel":"email"}`,
            },
            'customerId',
          ],
          [
            {
              method: 'POST',
              url: '/api/conversations',
              payload: `{"customerId":100000000000000000000,"subject":"s","channel":"email"}`,
            },
            'customerId',
          ],
          [
            {
              method: 'PATCH',
              url: `/api/conversations/${conversationId}`,
              payload: `{"ownerId":9007199254740993}`,
            },
            'ownerId',
          ],
          [
            {
              method: 'POST',
              url: '/api/interactions/inbound',
              payload: `{"kind":"email","from":{"email":"big@example.com"},"text":"t","teamId":1e400}`,
            },
            'teamId',
          ],
        ];
        for (const [options, field] of bodies) {
          const response = await asAdmin({
            ...options,
            headers: { 'content-type': 'application/json' },
          });
          assert.equal(response.statusCode, 400, `${options.url}: ${describeBody(response)}`);
          assert.equal(json<Problem>(response).errors?.[0]?.field, field);
        }
      });

      test('a team, shop or owner that names no record: 422 naming the field, on every way a case is made', async () => {
        const expect422 = async (options: InjectOptions, field: string) => {
          const response = await h.app.inject(options);
          assert.equal(
            response.statusCode,
            422,
            `${options.url} ${field}: ${describeBody(response)}`,
          );
          const problem = json<Problem>(response);
          assert.equal(problem.type, 'https://rapport.dev/problems/invalid');
          assert.equal(problem.errors?.[0]?.field, field);
        };
        for (const field of ['teamId', 'shopId', 'ownerId']) {
          await expect422(
            {
              method: 'POST',
              url: '/api/conversations',
              headers: { cookie: admin },
              payload: { customerId, subject: 'Bad ids', channel: 'email', [field]: missingId },
            },
            field,
          );
        }
        for (const field of ['teamId', 'ownerId']) {
          await expect422(
            {
              method: 'PATCH',
              url: `/api/conversations/${conversationId}`,
              headers: { cookie: admin },
              payload: { [field]: missingId },
            },
            field,
          );
        }
        // Once for a new customer (a case is opened), once for one with an open case (appended).
        for (const email of ['new-person@example.com', 'ada@example.com']) {
          for (const field of ['teamId', 'shopId']) {
            await expect422(
              {
                method: 'POST',
                url: '/api/interactions/inbound',
                headers: integration,
                payload: { kind: 'email', from: { email }, text: 'Hi', [field]: missingId },
              },
              field,
            );
          }
        }
      });

      test('every other id in a body that names no record is refused with 4xx naming it, never a server error', async () => {
        const { advisor } = h.fixture.people;
        const probes: [InjectOptions, string][] = [
          [
            {
              method: 'POST',
              url: '/api/advisors',
              payload: { name: 'N', email: 'n1@test.rapport', role: 'advisor', teamId: missingId },
            },
            'teamId',
          ],
          [
            {
              method: 'POST',
              url: '/api/advisors',
              payload: {
                name: 'N',
                email: 'n2@test.rapport',
                role: 'shop_advisor',
                shopId: missingId,
              },
            },
            'shopId',
          ],
          [
            { method: 'PATCH', url: `/api/advisors/${advisor.id}`, payload: { teamId: missingId } },
            'teamId',
          ],
          [
            { method: 'PATCH', url: `/api/advisors/${advisor.id}`, payload: { shopId: missingId } },
            'shopId',
          ],
          [
            {
              method: 'POST',
              url: '/api/shops',
              payload: {
                name: 'S',
                city: 'Nantes',
                address: '2 quai',
                timeZone: 'Europe/Paris',
                teamId: missingId,
              },
            },
            'teamId',
          ],
          [
            {
              method: 'PATCH',
              url: `/api/shops/${h.fixture.shopId}`,
              payload: { teamId: missingId },
            },
            'teamId',
          ],
          [
            {
              method: 'POST',
              url: '/api/channel-accounts',
              payload: {
                channel: 'email',
                provider: 'smtp',
                displayName: 'M',
                address: 'm@test.rapport',
                teamId: missingId,
              },
            },
            'teamId',
          ],
          [
            {
              method: 'PATCH',
              url: `/api/channel-accounts/${h.fixture.accounts.email}`,
              payload: { teamId: missingId },
            },
            'teamId',
          ],
          [
            { method: 'POST', url: '/api/tokens', payload: { name: 't', advisorId: missingId } },
            'advisorId',
          ],
          [
            {
              method: 'POST',
              url: `/api/customers/${customerId}/merge`,
              payload: { sourceCustomerId: missingId },
            },
            'sourceCustomerId',
          ],
          [
            {
              method: 'POST',
              url: `/api/conversations/${conversationId}/interactions`,
              payload: { kind: 'email', text: 'hi', accountId: missingId },
            },
            'accountId',
          ],
          [
            {
              method: 'POST',
              url: '/api/conversations',
              payload: { customerId: missingId, subject: 's', channel: 'email' },
            },
            'customerId',
          ],
        ];
        for (const [options, field] of probes) {
          const response = await asAdmin(options);
          const what = `${options.method} ${options.url} ${field}: ${describeBody(response)}`;
          assert.ok(response.statusCode >= 400 && response.statusCode < 500, what);
          if (response.statusCode !== 404)
            assert.equal(json<Problem>(response).errors?.[0]?.field, field, what);
        }
      });
    },
  );
}
