import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSecretBox } from './secrets.ts';

const key = 'a-test-key-that-is-long-enough-0123456789';

describe('secrets at rest', () => {
  test('a sealed secret opens with the same key and does not contain the plain text', () => {
    const box = createSecretBox(key);
    const sealed = box.seal('twilio-auth-token-xyz');
    assert.ok(!sealed.includes('twilio-auth-token-xyz'));
    assert.notEqual(box.seal('twilio-auth-token-xyz'), sealed, 'a fresh nonce every time');
    assert.equal(box.open(sealed), 'twilio-auth-token-xyz');
  });

  test('another key cannot open it, and says the key may have changed', () => {
    const sealed = createSecretBox(key).seal('s3cret');
    assert.throws(() => createSecretBox(`${key}-other`).open(sealed), /key changed/);
  });

  test('without RAPPORT_SECRET_KEY a secret is refused with a clear error', () => {
    const box = createSecretBox(undefined);
    assert.equal(box.ready, false);
    assert.throws(() => box.seal('x'), /RAPPORT_SECRET_KEY: is not set/);
  });

  test('a short key is refused at start', () => {
    assert.throws(() => createSecretBox('short'), /at least 32 characters/);
  });
});
