import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUpload, inertFileName } from './uploads.ts';

const limits = {
  maxAttachmentBytes: 1000,
  attachmentTypes: ['image/png', 'application/pdf', 'text/plain'],
};
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(20),
]);
const refused = (reason: RegExp) => (error: Error & { code?: string }) =>
  error.code === 'attachment-refused' && reason.test(error.message);

test('a file of a type the chat takes, within its size, is taken with its plain type', () => {
  assert.equal(checkUpload('image/PNG', png, limits), 'image/png');
  assert.equal(
    checkUpload('text/plain; charset=utf-8', Buffer.from('héllo'), limits),
    'text/plain',
  );
  assert.equal(
    checkUpload('application/pdf', Buffer.from('%PDF-1.7 …'), limits),
    'application/pdf',
  );
});

test('a type the account does not list, an empty or oversized file, or bytes that are not the type are refused', () => {
  assert.throws(
    () => checkUpload('image/svg+xml', Buffer.from('<svg/>'), limits),
    refused(/not image\/svg\+xml/),
  );
  assert.throws(
    () => checkUpload('text/html', Buffer.from('<b>'), limits),
    refused(/takes image\/png/),
  );
  assert.throws(() => checkUpload('nonsense', png, limits), refused(/not a media type/));
  assert.throws(() => checkUpload('image/png', Buffer.alloc(0), limits), refused(/empty/));
  assert.throws(
    () => checkUpload('image/png', Buffer.concat([png, Buffer.alloc(1000)]), limits),
    refused(/larger/),
  );
  assert.throws(
    () => checkUpload('image/png', Buffer.from('<html><script>'), limits),
    refused(/not a image\/png file/),
  );
  assert.throws(
    () => checkUpload('application/pdf', png, limits),
    refused(/not a application\/pdf/),
  );
  assert.throws(
    () => checkUpload('text/plain', Buffer.from([0x61, 0x00, 0x62]), limits),
    refused(/text\/plain/),
  );
  assert.throws(
    () => checkUpload('text/plain', Buffer.from([0xff, 0xfe, 0x80]), limits),
    refused(/text\/plain/),
  );
});

test('file names are inert: no folders, control or direction characters; percent-encoded names decoded', () => {
  assert.equal(inertFileName('receipt.pdf'), 'receipt.pdf');
  assert.equal(inertFileName('%C3%A9t%C3%A9.png'), 'été.png');
  assert.equal(inertFileName('../../etc/passwd'), 'passwd');
  assert.equal(inertFileName('C:\\Users\\me\\photo.png'), 'photo.png');
  assert.equal(inertFileName('invoice\u202Efdp.exe'), 'invoicefdp.exe');
  assert.equal(inertFileName('a\r\nb\u0000.txt'), 'ab.txt');
  assert.equal(inertFileName('.htaccess'), 'htaccess');
  assert.equal(
    inertFileName('<img src=x onerror=alert(1)>.png'),
    '<img src=x onerror=alert(1)>.png',
  );
  assert.equal(inertFileName(undefined), 'file');
  assert.equal(inertFileName('///'), 'file');
  const long = inertFileName(`${'x'.repeat(300)}.pdf`);
  assert.equal(long.length, 200);
  assert.ok(long.endsWith('.pdf'));
});
