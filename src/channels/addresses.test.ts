import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseEmail, normalisePhone } from './addresses.ts';
import { Invalid } from '../platform/errors.ts';

test('an email address is trimmed and lower-cased', () => {
  assert.equal(normaliseEmail('  Alice.Dubois@Example.COM '), 'alice.dubois@example.com');
});

test('something that is not an email address is refused, naming the field', () => {
  assert.throws(
    () => normaliseEmail('alice at example', 'from.email'),
    (error: unknown) => {
      assert.ok(error instanceof Invalid);
      assert.deepEqual(error.problems[0], {
        field: 'from.email',
        reason: 'is not an email address',
      });
      return true;
    },
  );
});

test('a local phone number is read in the default region and stored as E.164', () => {
  assert.equal(normalisePhone('06 12 34 56 78', 'FR'), '+33612345678');
  assert.equal(
    normalisePhone('+1 (212) 555-0199'.replace('555-0199', '736-0100'), 'FR'),
    '+12127360100',
  );
});

test('an impossible phone number is refused', () => {
  assert.throws(() => normalisePhone('12', 'FR'), Invalid);
});

test('one German number written four ways is one E.164 number, whatever the region reads it', () => {
  for (const region of ['DE', 'FR', 'US'])
    for (const written of ['+49 30/1234-5', '0049 30 12345', '0049-30-1234-5', '+493012345'])
      assert.equal(normalisePhone(written, region), '+493012345', `${written} in ${region}`);
  assert.equal(normalisePhone('030 12345', 'DE'), '+493012345');
  assert.equal(normalisePhone('030/1234-5', 'DE'), '+493012345');
  // Read in France, a national 030… is not the Berlin number (and not a valid French one).
  assert.throws(() => normalisePhone('030 12345', 'FR'), Invalid);
  // The US's own international prefix still works.
  assert.equal(normalisePhone('011 49 30 12345', 'US'), '+493012345');
});
