import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './config.ts';
import { Invalid } from './errors.ts';

test("the centre's time zone is an IANA name, the machine's zone when unset", () => {
  assert.equal(loadConfig({ RAPPORT_TIME_ZONE: 'Europe/Madrid' }).timeZone, 'Europe/Madrid');
  assert.equal(loadConfig({}).timeZone, Intl.DateTimeFormat().resolvedOptions().timeZone);
  assert.throws(
    () => loadConfig({ RAPPORT_TIME_ZONE: 'Mars/Olympus' }),
    (e: unknown) => e instanceof Invalid && /IANA time zone/.test(e.message),
  );
});

test('a decline is respected for ten minutes unless the centre sets another span', () => {
  assert.equal(loadConfig({}).declineCoolOffMs, 10 * 60_000);
  assert.equal(loadConfig({ RAPPORT_DECLINE_COOL_OFF_MINUTES: '3' }).declineCoolOffMs, 3 * 60_000);
  assert.throws(
    () => loadConfig({ RAPPORT_DECLINE_COOL_OFF_MINUTES: 'a while' }),
    (e: unknown) => e instanceof Invalid && /RAPPORT_DECLINE_COOL_OFF_MINUTES/.test(e.message),
  );
});
