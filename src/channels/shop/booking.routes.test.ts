import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from '../../../test/harness.ts';
import { testDatabases } from '../../../test/databases.ts';

const databases = await testDatabases();

for (const db of databases) {
  describe(`the public booking routes (${db.name})`, { skip: db.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(await db.open(), { config: { publicRateLimitPerMinute: 3 } });
    });
    after(async () => h.close());

    test('each client address gets a few requests a minute, then a problem 429', async () => {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++)
        codes.push(
          (await h.app.inject({ method: 'POST', url: '/api/book/appointments', payload: {} }))
            .statusCode,
        );
      assert.deepEqual(codes, [400, 400, 400, 429]);
      const limited = await h.app.inject({
        method: 'POST',
        url: '/api/book/appointments',
        payload: {},
      });
      assert.equal(
        json<{ type: string }>(limited).type,
        'https://rapport.dev/problems/rate-limited',
      );
      // Another address is not held back by the first one's tries.
      const other = await h.app.inject({
        method: 'GET',
        url: '/api/book/shops',
        remoteAddress: '203.0.113.9',
      });
      assert.equal(other.statusCode, 200);
    });

    test('strict schemas: unknown fields, a forged link and a bad date are refused, naming the field', async () => {
      const unknown = await h.app.inject({
        method: 'GET',
        url: '/api/book/shops?postcode=69003&radius=5',
        remoteAddress: '203.0.113.10',
      });
      assert.equal(unknown.statusCode, 400);
      const link = await h.app.inject({
        method: 'GET',
        url: '/api/book/appointments/r1.abc',
        remoteAddress: '203.0.113.10',
      });
      assert.equal(link.statusCode, 400);
      const when = await h.app.inject({
        method: 'POST',
        url: '/api/book/appointments',
        remoteAddress: '203.0.113.11',
        payload: {
          shopId: 1,
          serviceId: 1,
          startsAt: '2026-13-45T99:00:00Z',
          name: 'A',
          email: 'a@example.com',
        },
      });
      assert.equal(when.statusCode, 422);
      assert.equal(json<{ errors: Array<{ field: string }> }>(when).errors[0]!.field, 'startsAt');
    });
  });
}
