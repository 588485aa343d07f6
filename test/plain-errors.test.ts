/**
 * A schema's refusal reads as plain words next to the field ("must not be empty", "must be a time
 * such as 09:30", "must be at least 1"), never as the validator's own ("must NOT have fewer than 1
 * characters", "must match pattern …", "must be >= 1").
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { json, startHarness, type Harness } from './harness.ts';
import { openStore } from '../src/platform/db/connect.ts';

describe('validation errors in plain words', () => {
  let h: Harness;
  let admin = '';
  before(async () => {
    h = await startHarness(openStore({ file: ':memory:' }));
    admin = await h.signIn(h.fixture.people.admin.email);
  });
  after(() => h?.close());

  const reasons = async (method: 'POST' | 'PUT', url: string, payload: object) => {
    const response = await h.app.inject({ method, url, headers: { cookie: admin }, payload });
    assert.equal(response.statusCode, 400, response.body);
    return json<{ errors: Array<{ field: string; reason: string }> }>(response).errors;
  };

  test('an empty name, a time that is not one, a number too small', async () => {
    assert.deepEqual(
      await reasons('POST', '/api/shops', {
        name: '',
        city: 'Lyon',
        address: '1 rue de la République',
        timeZone: 'Europe/Paris',
      }),
      [{ field: 'name', reason: 'must not be empty' }],
    );
    const hours = await reasons('POST', '/api/shops', {
      name: 'Lyon',
      city: 'Lyon',
      address: '1 rue de la République',
      timeZone: 'Europe/Paris',
      hours: [{ weekday: 1, opens: '09:00', closes: '25:00' }],
    });
    assert.ok(
      hours.some(
        (e) => e.field === 'hours.0.closes' && e.reason === 'must be a time such as 09:30',
      ),
      JSON.stringify(hours),
    );
    assert.deepEqual(
      await reasons('PUT', '/api/insights/service-levels/chat', {
        thresholdSeconds: 0,
        targetPercent: 80,
      }),
      [{ field: 'thresholdSeconds', reason: 'must be at least 1' }],
    );
    const typed = await reasons('PUT', '/api/insights/service-levels/chat', {
      thresholdSeconds: 'soon',
      targetPercent: 80,
    });
    assert.deepEqual(typed, [{ field: 'thresholdSeconds', reason: 'must be a whole number' }]);
  });
});
