import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identitiesOf } from './identities.ts';

test('contact points come out strongest first: phone, email, social, external', () => {
  const identities = identitiesOf(
    {
      external: { system: 'Loyalty', id: 'L-1' },
      social: { network: 'instagram', handle: '@Alice' },
      email: 'A@x.io',
      phone: '0612345678',
    },
    'FR',
  );
  assert.deepEqual(
    identities.map((i) => `${i.kind}:${i.network}:${i.value}`),
    ['phone::+33612345678', 'email::a@x.io', 'social:instagram:alice', 'external:loyalty:L-1'],
  );
});
