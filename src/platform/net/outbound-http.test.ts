import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  assertPublicUrl,
  classifyAddress,
  guardedDownload,
  guardedRequest,
} from './outbound-http.ts';

const none = { entries: [] };

describe('outbound requests to addresses users typed', () => {
  let server: http.Server;
  let port: number;
  let hits = 0;
  before(async () => {
    server = http.createServer((request, response) => {
      hits++;
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => response.writeHead(202, { 'x-echo': body }).end('taken'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('loopback, private, link-local and mapped addresses are told apart from public ones', () => {
    assert.equal(classifyAddress('127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('::1'), 'loopback');
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('10.2.3.4'), 'private');
    assert.equal(classifyAddress('172.20.0.1'), 'private');
    assert.equal(classifyAddress('192.168.1.1'), 'private');
    assert.equal(classifyAddress('fd00::1'), 'private');
    assert.equal(classifyAddress('169.254.169.254'), 'link-local');
    assert.equal(classifyAddress('fe80::1'), 'link-local');
    assert.equal(classifyAddress('0.0.0.0'), 'unspecified');
    assert.equal(classifyAddress('93.184.216.34'), 'public');
    assert.equal(classifyAddress('2606:4700::1111'), 'public');
  });

  test('a webhook URL on 127.0.0.1, localhost or the metadata address is refused, naming why', async () => {
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://10.0.0.5/hook',
    ]) {
      await assert.rejects(assertPublicUrl(url, none), (error: Error) => {
        assert.match(error.message, /allow-list/, url);
        return true;
      });
    }
  });

  test('only http and https without credentials are accepted', async () => {
    await assert.rejects(assertPublicUrl('file:///etc/passwd', none), /http or https/);
    await assert.rejects(assertPublicUrl('ftp://example.com/', none), /http or https/);
    await assert.rejects(assertPublicUrl('https://u:p@93.184.216.34/', none), /user name/);
    await assert.rejects(assertPublicUrl('not a url', none), /not a URL/);
  });

  test('a public address passes, and an allow-listed internal one passes', async () => {
    const publicLookup = (async () => [{ address: '93.184.216.34', family: 4 }]) as never;
    assert.equal(
      await assertPublicUrl('https://hooks.example.com/x', none, 'url', publicLookup),
      'https://hooks.example.com/x',
    );
    assert.ok(await assertPublicUrl('http://127.0.0.1:9/x', { entries: ['127.0.0.1/32'] }));
    assert.ok(await assertPublicUrl('http://localhost:9/x', { entries: ['localhost'] }));
  });

  test('the connection itself refuses a name that resolves to loopback, so DNS rebinding fails', async () => {
    const before = hits;
    await assert.rejects(
      guardedRequest(`http://localhost:${port}/hook`, { body: 'x', allow: none }),
      /loopback/,
    );
    await assert.rejects(
      guardedRequest(`http://127.0.0.1:${port}/hook`, { body: 'x', allow: none }),
      /loopback/,
    );
    assert.equal(hits, before, 'the local server was never reached');
  });

  test('an allow-listed local receiver gets the request and its answer comes back', async () => {
    const answer = await guardedRequest(`http://localhost:${port}/hook`, {
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
      allow: { entries: ['127.0.0.0/8', '::1/128'] },
    });
    assert.equal(answer.status, 202);
    assert.equal(answer.headers['x-echo'], 'hello');
    assert.equal(answer.body, 'taken');
  });

  test('a download gets its bytes whole through the same guard, and one larger than its cap is refused', async () => {
    const file = Buffer.alloc(100_000, 7);
    const files = http.createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'audio/mpeg' }).end(file),
    );
    await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(files.address() as AddressInfo).port}/rec.mp3`;
    try {
      await assert.rejects(guardedDownload(url, { allow: none, maxBytes: 200_000 }), /loopback/);
      const allow = { entries: ['127.0.0.1/32'] };
      const whole = await guardedDownload(url, { allow, maxBytes: 200_000 });
      assert.equal(whole.status, 200);
      assert.deepEqual(whole.bytes, file, 'beyond the 64 KB a text answer keeps');
      await assert.rejects(guardedDownload(url, { allow, maxBytes: 50_000 }), /larger than/);
    } finally {
      files.closeAllConnections();
      await new Promise<void>((resolve) => files.close(() => resolve()));
    }
  });
});
