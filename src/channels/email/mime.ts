import {
  simpleParser,
  parseAddressHeader,
  type AddressObject,
  type Attachment,
  type HeaderLines,
  type HeaderValue,
  type ParsedMail,
} from 'mailparser';
import { textOfHtml } from '../../conversations/sanitise.ts';
import { dmarcOf } from './authentication.ts';
import { prepareEmailHtml } from './email-html.ts';
import { automationOf, bounceOf } from './loops.ts';
import { withUndeclaredCharsetsAsUtf8 } from './undeclared-charset.ts';

export interface EmailAddress {
  readonly address: string; // lower-cased
  readonly name: string;
}

/** An attachment or inline image, bytes included. */
export interface EmailPart {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly content: Buffer;
  readonly contentId: string | null;
  readonly inline: boolean;
}

export type ParsedEmail =
  | {
      readonly ok: true;
      readonly messageId: string | null; // normalised: '<a@b>' and ' < a@b > ' → 'a@b'
      readonly inReplyTo: string | null; // normalised
      readonly references: readonly string[]; // normalised, in order
      readonly from: EmailAddress | null;
      readonly replyTo: EmailAddress | null;
      readonly to: readonly EmailAddress[];
      readonly cc: readonly EmailAddress[];
      readonly deliveredTo: readonly string[]; // Delivered-To
      readonly originalTo: readonly string[]; // X-Original-To
      readonly subject: string; // decoded (RFC 2047), '' when none
      readonly date: number | null; // epoch ms
      readonly text: string; // the text part, or text of the HTML
      readonly html: string | null; // sanitised for display (email-html.ts), or null
      readonly remoteImages: boolean; // the HTML had remote images (now blocked)
      readonly attachments: readonly EmailPart[]; // parts over the size limit are left out…
      readonly refused: readonly { name: string; size: number; reason: string }[]; // …and listed here
      readonly headers: Readonly<Record<string, string>>; // lower-case names, first value, decoded
      readonly automated: { readonly reason: string } | null; // loops.ts
      readonly bounce: {
        readonly originalMessageId: string | null;
        readonly recipient: string | null;
        readonly reason: string;
      } | null; // loops.ts (multipart/report, DSN)
      readonly authentication: 'pass' | 'fail' | 'none'; // DMARC per Authentication-Results
    }
  | {
      readonly ok: false;
      readonly reason: string;
      readonly messageId: string | null;
      readonly from: EmailAddress | null;
      readonly subject: string;
    };

export interface ParseOptions {
  readonly maxAttachmentBytes: number;
  /** Servers whose Authentication-Results count; by default the topmost header counts. */
  readonly trustedAuthservIds?: readonly string[];
}

/** Larger messages are not parsed at all (the SMTP server refuses far smaller ones). */
const maxMessageBytes = 64 * 1024 * 1024;
/** Parsing that takes longer is given up on, so one message never holds up the rest. */
const parseTimeoutMs = 15_000;
/** Longer HTML is not turned into text (html-to-text runs synchronously). */
const maxHtmlToTextLength = 2_000_000;

/**
 * An email's raw bytes read into what Rapport stores and shows. Never throws and never hangs: a
 * message that cannot be read gives `ok: false` with the reason and whatever its headers still say.
 */
export async function parseEmail(raw: Buffer, options: ParseOptions): Promise<ParsedEmail> {
  if (raw.length > maxMessageBytes)
    return unreadable(
      raw,
      `the message is ${raw.length} bytes, over the ${maxMessageBytes}-byte limit`,
    );
  try {
    const mail = await withTimeout(parse(withUndeclaredCharsetsAsUtf8(raw)), parseTimeoutMs);
    if (!mail) return unreadable(raw, `parsing took longer than ${parseTimeoutMs / 1000} s`);
    if (mail.headers.size === 0) return unreadable(raw, 'no message headers found');
    if (partsLost(mail))
      return unreadable(raw, 'no MIME part was found for the boundary the message declares');
    return readParsed(mail, options);
  } catch (error) {
    return unreadable(raw, `unreadable MIME structure: ${messageOf(error)}`);
  }
}

/** A Message-ID without its angle brackets and whitespace, or null when there is none. */
export function normaliseMessageId(value: string | undefined): string | null {
  return messageIdsIn(value ?? '')[0] ?? null;
}

function parse(raw: Buffer): Promise<ParsedMail> {
  return simpleParser(raw, {
    keepCidLinks: true,
    // The delivery status and the returned message of a bounce are read as parts, not as text.
    keepDeliveryStatus: true,
    ignoreEmbedded: true,
    maxHtmlLengthToParse: maxHtmlToTextLength,
  });
}

function readParsed(mail: ParsedMail, options: ParseOptions): ParsedEmail {
  const lines = mail.headerLines;
  const headers = headersOf(mail.headers, lines);
  const from = firstAddress(mail.from);
  const subject = mail.subject ?? '';
  const rawHtml = typeof mail.html === 'string' ? mail.html : null;
  const shown = rawHtml === null ? { html: null, remoteImages: false } : prepareEmailHtml(rawHtml);
  const text = mail.text?.trim() ? mail.text : shown.html ? textOfHtml(shown.html) : '';
  const refused = mail.attachments
    .filter((part) => part.size > options.maxAttachmentBytes)
    .map((part, index) => ({
      name: nameOf(part, index),
      size: part.size,
      reason: `larger than the ${options.maxAttachmentBytes}-byte attachment limit`,
    }));
  const date = Date.parse(rawValues(lines, 'date')[0] ?? '');
  return {
    ok: true,
    messageId: normaliseMessageId(rawValues(lines, 'message-id')[0]),
    inReplyTo: normaliseMessageId(rawValues(lines, 'in-reply-to')[0]),
    references: rawValues(lines, 'references').flatMap(messageIdsIn),
    from,
    replyTo: firstAddress(mail.replyTo),
    to: addressesOf(mail.to),
    cc: addressesOf(mail.cc),
    deliveredTo: envelopeAddresses(lines, 'delivered-to'),
    originalTo: envelopeAddresses(lines, 'x-original-to'),
    subject,
    date: Number.isNaN(date) ? null : date,
    text,
    html: shown.html,
    remoteImages: shown.remoteImages,
    attachments: mail.attachments
      .filter((part) => part.size <= options.maxAttachmentBytes)
      .map((part, index) => emailPartOf(part, index, rawHtml ?? '')),
    refused,
    headers,
    automated: automationOf(headers, from, headers['content-type'] ?? 'text/plain'),
    bounce: bounceOf({ headers, from, subject, text, parts: mail.attachments }),
    authentication: dmarcOf(rawValues(lines, 'authentication-results'), options.trustedAuthservIds),
  };
}

/** A multipart message of which mailparser found no part at all: its boundary never appears. */
function partsLost(mail: ParsedMail): boolean {
  const contentType = mail.headers.get('content-type');
  const multipart =
    typeof contentType === 'object' &&
    'value' in contentType &&
    typeof contentType.value === 'string' &&
    contentType.value.startsWith('multipart/');
  return multipart && !mail.text && !mail.html && mail.attachments.length === 0;
}

function emailPartOf(part: Attachment, index: number, html: string): EmailPart {
  const contentId = normaliseMessageId(part.contentId);
  const referenced = contentId !== null && html.includes(`cid:${contentId}`);
  return {
    name: nameOf(part, index),
    contentType: part.contentType,
    size: part.size,
    content: part.content,
    contentId,
    // An image with a Content-ID is shown in the message unless it says it is an attachment and
    // the HTML never shows it.
    inline: contentId !== null && (part.contentDisposition !== 'attachment' || referenced),
  };
}

const extensions: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'application/pdf': '.pdf',
  'message/rfc822': '.eml',
  'message/delivery-status': '.txt',
  'text/rfc822-headers': '.txt',
  'text/plain': '.txt',
  'text/calendar': '.ics',
};

/** The part's file name, or one made from its position and type when it names none. */
function nameOf(part: Attachment, index: number): string {
  return part.filename || `attachment-${index + 1}${extensions[part.contentType] ?? ''}`;
}

/** Every Message-ID in a header value: the bracketed ones, or whitespace-separated ones if none. */
function messageIdsIn(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>]*)>/g)].map((m) => (m[1] ?? '').replace(/\s+/g, ''));
  const ids = bracketed.length > 0 ? bracketed : value.split(/[\s,]+/);
  return ids.filter((id) => id.length > 0);
}

/** A header's values as written, folding undone, in the order the header appears. */
function rawValues(lines: HeaderLines, key: string): string[] {
  return lines
    .filter((line) => line.key === key)
    .map((line) =>
      line.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n(?=[ \t])/g, '')
        .trim(),
    );
}

/** One string per header name: mailparser's decoded value, or the unfolded raw value. */
function headersOf(parsed: Map<string, HeaderValue>, lines: HeaderLines): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key } of lines) {
    if (key === '' || key in headers) continue;
    headers[key] = decodedText(parsed.get(key)) ?? rawValues(lines, key)[0] ?? '';
  }
  return headers;
}

/** Plain decoded strings and address lists keep their decoded text; dates, lists and
 * structured values (Content-Type, References) read better as written. */
function decodedText(value: HeaderValue | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return Array.isArray(value) && value.length > 1 ? null : first;
  if (isAddressObject(first) && first.value.some((a) => a.address)) return first.text;
  return null;
}

function isAddressObject(value: unknown): value is AddressObject {
  return typeof value === 'object' && value !== null && 'value' in value && 'text' in value;
}

function addressesOf(header: AddressObject | AddressObject[] | undefined): EmailAddress[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  return objects
    .flatMap((object) => object.value.flatMap((entry) => entry.group ?? [entry]))
    .filter((entry) => entry.address)
    .map((entry) => ({ address: (entry.address ?? '').toLowerCase(), name: entry.name }));
}

function firstAddress(header: AddressObject | undefined): EmailAddress | null {
  return addressesOf(header)[0] ?? null;
}

/** Delivered-To / X-Original-To: every address, lower-cased, the topmost first. */
function envelopeAddresses(lines: HeaderLines, key: string): string[] {
  return rawValues(lines, key).flatMap((value) =>
    addressesOf(parseAddressHeader(value)).map((entry) => entry.address),
  );
}

/** What can still be read of a message mailparser could not: its Message-ID, sender, subject. */
async function unreadable(raw: Buffer, reason: string): Promise<ParsedEmail> {
  const nothing = { ok: false, reason, messageId: null, from: null, subject: '' } as const;
  try {
    const head = headerBlockOf(raw);
    const mail = await withTimeout(simpleParser(head, { skipHtmlToText: true }), 1000);
    if (!mail) return nothing;
    return {
      ...nothing,
      messageId: normaliseMessageId(rawValues(mail.headerLines, 'message-id')[0]),
      from: firstAddress(mail.from),
      subject: mail.subject ?? '',
    };
  } catch {
    // Nothing more can be read; the raw message is kept by the caller.
    return nothing;
  }
}

/** The message's first header block (at most 64 KB), which parses even when the body cannot. */
function headerBlockOf(raw: Buffer): Buffer {
  const start = raw.subarray(0, 64 * 1024);
  const crlf = start.indexOf('\r\n\r\n');
  const lf = start.indexOf('\n\n');
  const ends = [crlf, lf].filter((at) => at !== -1);
  return ends.length > 0 ? start.subarray(0, Math.min(...ends)) : start;
}

/** The promise's value, or null when it takes longer than `ms`. */
async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
