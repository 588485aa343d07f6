import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { signReply } from './sign-reply.ts';

describe('reply signature', () => {
  test('a signed reply ends with the advisor name, escaped in HTML', () => {
    assert.deepEqual(signReply({ text: 'Done.' }, 'Léa <Martin>', { signature: true }), {
      text: 'Done.\n\n— Léa <Martin>',
    });
    assert.deepEqual(
      signReply({ text: 'Done.', html: '<p>Done.</p>' }, 'Léa <Martin>', { signature: true }),
      { text: 'Done.\n\n— Léa <Martin>', html: '<p>Done.</p><p>— Léa &#60;Martin&#62;</p>' },
    );
    assert.deepEqual(signReply({ text: 'Done.' }, 'Léa', { signature: false }), {
      text: 'Done.',
    });
  });
});
