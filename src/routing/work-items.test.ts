import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { channelOfKind, interactionKinds } from '../conversations/interactions.ts';
import { workFor } from './work-items.ts';

describe('what routing hands out for an inbound contact', () => {
  test('every kind of contact routes on the channel the one kind → channel map names', () => {
    for (const kind of interactionKinds.filter((k) => k !== 'note'))
      assert.equal(workFor(kind)?.channel, channelOfKind[kind], kind);
  });

  test('a call is a call, a chat a chat, a shop visit a ticket, written contacts messages', () => {
    assert.equal(workFor('call')?.kind, 'call');
    assert.equal(workFor('chat_message')?.kind, 'chat');
    assert.equal(workFor('shop_visit')?.kind, 'shop_ticket');
    for (const kind of ['email', 'sms', 'social_dm', 'social_post'])
      assert.equal(workFor(kind)?.kind, 'message', kind);
  });

  test('a note, or a kind nobody knows, routes nothing', () => {
    assert.equal(workFor('note'), undefined);
    assert.equal(workFor('fax'), undefined);
  });
});
