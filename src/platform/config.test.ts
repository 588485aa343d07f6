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
