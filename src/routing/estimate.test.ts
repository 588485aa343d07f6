import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createRecentHandleTimes,
  estimateWait,
  meanHandleTime,
  recordHandleTime,
  shouldOfferCallback,
} from './estimate.ts';

test('with free capacity the wait is zero', () => {
  assert.equal(estimateWait({ channel: 'voice', waiting: 0, freeSlots: 2 }, [300_000], 10), 0);
});

test('the wait grows with the position: the k-th slot to free up takes k x handle time / slots', () => {
  const queue = { channel: 'voice' as const, waiting: 9, freeSlots: 0 };
  assert.equal(estimateWait(queue, [200_000, 400_000], 10), 300_000);
  assert.equal(estimateWait(queue, [300_000], 10, 0), 30_000);
  assert.equal(estimateWait(queue, [300_000], 0), Infinity);
});

test('a callback is offered only when the estimate passes the threshold', () => {
  assert.equal(shouldOfferCallback(121_000, 120_000), true);
  assert.equal(shouldOfferCallback(120_000, 120_000), false);
});

test('recent handle times keep a window of the latest values', () => {
  const recent = createRecentHandleTimes(3);
  for (const value of [1, 2, 3, 4, 5]) recordHandleTime(recent, 'chat', value);
  assert.deepEqual([...recent.values.chat].sort(), [3, 4, 5]);
  assert.equal(meanHandleTime(recent.values.chat, 0), 4);
  assert.equal(meanHandleTime(recent.values.voice, 42), 42);
});
