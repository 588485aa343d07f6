import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatMessage } from '../../src/api-types/chat.ts';
import {
  Outbox,
  accentColours,
  cursorOf,
  fileRefusal,
  mergeMessages,
  reconnectDelay,
  shownMessages,
  unreadCount,
  waitMinutes,
} from './chat-state.ts';

const message = (id: number, author: ChatMessage['author'], clientId: string | null = null) =>
  ({
    id,
    clientId,
    author,
    name: author === 'advisor' ? 'Léa' : null,
    photoUrl: null,
    text: `message ${id}`,
    attachments: [],
    at: '2026-12-01T10:00:00.000Z',
    conversationId: 7,
  }) satisfies ChatMessage;

class MemoryStore {
  readonly values = new Map<string, string>();
  getItem(key: string) {
    return this.values.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.values.set(key, value);
  }
  removeItem(key: string) {
    this.values.delete(key);
  }
}

describe('the widget keeps every message once, in order', () => {
  test('a message that comes twice (resend, reconnect, another tab) is shown once, sorted by id', () => {
    const merged = mergeMessages(
      [message(3, 'advisor'), message(1, 'visitor', 'w-a')],
      [message(2, 'advisor'), message(3, 'advisor'), message(1, 'visitor', 'w-a')],
    );
    assert.deepEqual(
      merged.map((m) => m.id),
      [1, 2, 3],
    );
    assert.equal(cursorOf(merged), 3);
    assert.equal(cursorOf([]), null);
  });

  test('a sent message is shown as sending until the stored one with its clientId arrives', () => {
    const pending = [
      { clientId: 'w-a', text: 'first', attachments: [], at: '2026-12-01T10:00:00.000Z' },
      { clientId: 'w-b', text: 'second', attachments: [], at: '2026-12-01T10:00:01.000Z' },
    ];
    const shown = shownMessages([message(4, 'visitor', 'w-a')], pending);
    assert.deepEqual(
      shown.map((line) => (line.kind === 'stored' ? line.message.id : line.pending.clientId)),
      [4, 'w-b'],
    );
  });

  test('unread counts only what the advisor (or the system) wrote after the read mark', () => {
    const list = [message(1, 'visitor'), message(2, 'advisor'), message(3, 'advisor')];
    assert.equal(unreadCount(list, 0), 2);
    assert.equal(unreadCount(list, 2), 1);
    assert.equal(unreadCount([...list, message(4, 'visitor')], 3), 0);
  });
});

describe('the outbox keeps what the server has not acknowledged', () => {
  test('survives a new page (same storage), forgets acknowledged and day-old messages', () => {
    const storage = new MemoryStore();
    let now = Date.parse('2026-12-01T10:00:00.000Z');
    const first = new Outbox(storage, 'k', () => now);
    first.add({ clientId: 'w-a', text: 'a', attachments: [], at: new Date(now).toISOString() });
    first.add({ clientId: 'w-b', text: 'b', attachments: [], at: new Date(now).toISOString() });
    first.add({ clientId: 'w-a', text: 'a', attachments: [], at: new Date(now).toISOString() });
    const second = new Outbox(storage, 'k', () => now);
    assert.deepEqual(
      second.list().map((p) => p.clientId),
      ['w-b', 'w-a'],
    );
    second.remove('w-b');
    assert.deepEqual(
      first.list().map((p) => p.clientId),
      ['w-a'],
    );
    now += 25 * 60 * 60 * 1000;
    assert.deepEqual(first.list(), []);
    second.remove('w-a');
    assert.equal(storage.values.size, 0);
  });

  test('garbage in storage is ignored, not thrown', () => {
    const storage = new MemoryStore();
    storage.setItem('k', '{not json');
    assert.deepEqual(new Outbox(storage, 'k').list(), []);
    storage.setItem('k', JSON.stringify([{ clientId: 5 }, 'x']));
    assert.deepEqual(new Outbox(storage, 'k').list(), []);
    assert.deepEqual(new Outbox(null, 'k').list(), []);
  });
});

describe('reconnecting', () => {
  test('waits longer after each failure, up to 30 s, never the same for everyone', () => {
    assert.equal(
      reconnectDelay(0, () => 0),
      250,
    );
    assert.equal(
      reconnectDelay(0, () => 1),
      500,
    );
    assert.equal(
      reconnectDelay(3, () => 0),
      2000,
    );
    assert.equal(
      reconnectDelay(3, () => 1),
      4000,
    );
    assert.equal(
      reconnectDelay(40, () => 1),
      30_000,
    );
    assert.equal(
      reconnectDelay(40, () => 0),
      15_000,
    );
    const spread = new Set(Array.from({ length: 50 }, () => reconnectDelay(5)));
    assert.ok(spread.size > 10, 'jitter spreads the reconnects');
  });
});

describe('checks before sending a file', () => {
  const limits = { attachmentTypes: ['image/png', 'application/pdf'], maxAttachmentBytes: 1000 };
  test('type and size as the account allows', () => {
    assert.equal(fileRefusal({ type: 'image/png', size: 1000 }, limits), null);
    assert.equal(fileRefusal({ type: 'IMAGE/PNG', size: 10 }, limits), null);
    assert.equal(fileRefusal({ type: 'image/png', size: 1001 }, limits), 'size');
    assert.equal(fileRefusal({ type: 'application/x-msdownload', size: 10 }, limits), 'type');
    assert.equal(fileRefusal({ type: '', size: 10 }, limits), 'type');
    assert.equal(fileRefusal({ type: 'application/pdf', size: 0 }, limits), 'empty');
  });
});

describe('small rules of the look', () => {
  test('the wait is shown in whole minutes, rounded up; no estimate is said as such', () => {
    assert.equal(waitMinutes({ estimatedWaitMs: 20_000 }), 1);
    assert.equal(waitMinutes({ estimatedWaitMs: 61_000 }), 2);
    assert.equal(waitMinutes({ estimatedWaitMs: null }), null);
  });

  test('text on the account colour is white on dark colours, dark on light ones; bad colours are refused', () => {
    assert.deepEqual(accentColours('#0b57d0'), { accent: '#0b57d0', onAccent: '#ffffff' });
    assert.equal(accentColours('#ffd500')?.onAccent, '#111111');
    assert.equal(accentColours('red; background:url(x)'), null);
    assert.equal(accentColours('#fff'), null);
  });
});
