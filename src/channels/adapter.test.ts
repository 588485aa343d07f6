import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyProviderError,
  failureOfHttpAnswer,
  failurePolicies,
  kindOfHttpStatus,
  parseRetryAfter,
  ProviderFailure,
  providerFailureKinds,
} from './adapter.ts';

const now = Date.UTC(2026, 11, 1, 9, 0, 0);

describe('provider failures', () => {
  test('429 is a rate limit, 5xx and 408 are temporary, 401 and 403 are permission', () => {
    assert.equal(kindOfHttpStatus(429), 'rate_limited');
    for (const status of [500, 502, 503, 504, 408])
      assert.equal(kindOfHttpStatus(status), 'temporary');
    assert.equal(kindOfHttpStatus(401), 'permission');
    assert.equal(kindOfHttpStatus(403), 'permission');
    assert.equal(kindOfHttpStatus(404), 'not_found');
    assert.equal(kindOfHttpStatus(410), 'not_found');
    assert.equal(kindOfHttpStatus(400), 'permanent');
    assert.equal(kindOfHttpStatus(422), 'permanent');
  });

  test('only temporary failures and rate limits are retried', () => {
    const retried = providerFailureKinds.filter((kind) => failurePolicies[kind].retry);
    assert.deepEqual(retried, ['temporary', 'rate_limited']);
    assert.equal(new ProviderFailure('permission', 'bad key').retry, false);
  });

  test('Retry-After is read as seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(new Date(now + 30_000).toUTCString(), now), 30_000);
    assert.equal(parseRetryAfter(new Date(now - 30_000).toUTCString(), now), 0);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  test('a 429 answer keeps its Retry-After and names the status', () => {
    const failure = failureOfHttpAnswer(429, 'slow down', '7', now);
    assert.equal(failure.kind, 'rate_limited');
    assert.equal(failure.retryAfterMs, 7000);
    assert.match(failure.message, /^429: slow down/);
  });

  test('socket errors, also when fetch wraps them, are temporary', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    assert.equal(classifyProviderError(refused).kind, 'temporary');
    const wrapped = new TypeError('fetch failed', { cause: refused });
    const failure = classifyProviderError(wrapped);
    assert.equal(failure.kind, 'temporary');
    assert.match(failure.message, /ECONNREFUSED/);
  });

  test('a classified failure passes through unchanged', () => {
    const permanent = new ProviderFailure('permanent', 'mailbox does not exist');
    assert.equal(classifyProviderError(permanent), permanent);
  });
});
