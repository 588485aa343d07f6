import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Interaction } from '../types.ts';
import { emailBody, replyDraftFor } from './email-fields.tsx';

/** The parts of a received email a reply is drafted from. */
function received(fields: Pick<Interaction, 'from' | 'to' | 'cc' | 'subject'>): Interaction {
  return fields as Interaction;
}

describe('an email reply is drafted from the message it answers', () => {
  const ours = ['care@acme.test', 'billing@acme.test'];

  test('it goes to the sender and copies the other recipients, never our mailboxes', () => {
    const draft = replyDraftFor(
      received({
        from: 'ines@example.com',
        to: 'care+k3j9@acme.test',
        cc: ['marc@example.com', 'Billing@Acme.test', 'INES@example.com', 'marc@example.com'],
        subject: 'Router keeps dropping',
      }),
      ours,
      'fallback@example.com',
      'Case subject',
    );
    assert.equal(draft.to, 'ines@example.com');
    assert.equal(draft.cc, 'marc@example.com');
    assert.equal(draft.subject, 'Re: Router keeps dropping');
  });

  test('a subject that already says Re: keeps one', () => {
    const draft = replyDraftFor(
      received({ from: 'a@example.com', to: null, cc: [], subject: 'RE: Invoice' }),
      ours,
      '',
      '',
    );
    assert.equal(draft.subject, 'RE: Invoice');
  });

  test('with no email to answer, the customer and the case subject stand in', () => {
    const draft = replyDraftFor(undefined, ours, 'chloe@example.com', 'Moving house');
    assert.deepEqual(
      { to: draft.to, cc: draft.cc, subject: draft.subject },
      { to: 'chloe@example.com', cc: '', subject: 'Re: Moving house' },
    );
  });

  test('the request names every copied address and each file by its id', () => {
    const body = emailBody({
      to: ' ines@example.com ',
      cc: 'marc@example.com; support@isp.example,,',
      subject: ' Re: Router ',
      files: [{ id: 'f00d', name: 'a.txt', contentType: 'text/plain', size: 3 }],
      uploading: [],
    });
    assert.deepEqual(body, {
      to: 'ines@example.com',
      cc: ['marc@example.com', 'support@isp.example'],
      subject: 'Re: Router',
      attachments: [{ id: 'f00d', name: 'a.txt', contentType: 'text/plain', size: 3 }],
    });
  });
});
