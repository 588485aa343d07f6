/**
 * Files a chat visitor sends: the type must be one the account takes and the bytes must look like
 * it (the widget checks too, but a page's script can say anything), the size within the account's
 * limit, and the name is made inert: no folders, no control or direction-changing characters.
 */
import { Invalid } from '../../platform/errors.ts';

/** What the account takes (`chatSettingsOf`). */
export interface UploadLimits {
  readonly maxAttachmentBytes: number;
  readonly attachmentTypes: readonly string[];
}

/** The first bytes a file of these types starts with; types not listed are taken as declared. */
const signatures: Readonly<Record<string, readonly Buffer[]>> = {
  'image/png': [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
  'image/jpeg': [Buffer.from([0xff, 0xd8, 0xff])],
  'image/gif': [Buffer.from('GIF87a'), Buffer.from('GIF89a')],
  'image/webp': [Buffer.from('RIFF')],
  'application/pdf': [Buffer.from('%PDF-')],
};

/** Whether the bytes are what the type says, as far as their first bytes tell. */
export function looksLike(contentType: string, bytes: Buffer): boolean {
  if (contentType === 'text/plain') {
    if (bytes.includes(0)) return false;
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) !== undefined;
  }
  const starts = signatures[contentType];
  return !starts || starts.some((start) => bytes.subarray(0, start.length).equals(start));
}

/**
 * Checks an upload against the account's limits and answers its content type (lower-case, without
 * parameters); refused with `attachment-refused` naming why.
 */
export function checkUpload(header: string, bytes: Buffer, limits: UploadLimits): string {
  const contentType = header.split(';')[0]!.trim().toLowerCase();
  if (!/^[\w.+-]+\/[\w.+-]+$/.test(contentType))
    throw new Invalid('content-type', 'is not a media type', [], 'attachment-refused');
  if (!limits.attachmentTypes.includes(contentType))
    throw new Invalid(
      'content-type',
      `this chat takes ${limits.attachmentTypes.join(', ') || 'no files'}, not ${contentType}`,
      [],
      'attachment-refused',
    );
  if (bytes.length === 0) throw new Invalid('body', 'the file is empty', [], 'attachment-refused');
  if (bytes.length > limits.maxAttachmentBytes)
    throw new Invalid(
      'body',
      `the file is larger than this chat takes (${limits.maxAttachmentBytes} bytes)`,
      [],
      'attachment-refused',
    );
  let fits = false;
  try {
    fits = looksLike(contentType, bytes);
  } catch {
    fits = false;
  }
  if (!fits)
    throw new Invalid('body', `the file is not a ${contentType} file`, [], 'attachment-refused');
  return contentType;
}

/**
 * A file name as the desk and emails show it: percent-decoded when the widget encoded it (headers
 * carry ASCII), the last path segment only, without control, format or direction characters, at
 * most 200 characters; "file" when nothing is left.
 */
export function inertFileName(raw: string | undefined): string {
  let name = raw ?? '';
  try {
    name = decodeURIComponent(name);
  } catch {
    // not percent-encoded: taken as it is
  }
  name = name.split(/[/\\]/).pop() ?? '';
  name = name
    .replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (name.length > 200) {
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 && name.length - dot <= 10 ? name.slice(dot) : '';
    name = name.slice(0, 200 - extension.length) + extension;
  }
  return name || 'file';
}
