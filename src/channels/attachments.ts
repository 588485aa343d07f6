import { Type } from '@sinclair/typebox';
import { Strict } from '../platform/http/schemas.ts';

/** An attachment as every way in describes it (the desk's composer, the JSON route, the gateway). */
export const AttachmentSchema = Strict({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ minLength: 3, maxLength: 120 }),
  size: Type.Integer({ minimum: 0 }),
  /** Where the file is fetched from: a web address only (no `file:`, `javascript:`, `data:`). */
  url: Type.Optional(
    Type.String({ maxLength: 2000, format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$' }),
  ),
});

/** An attachment of an advisor's reply: a web address, or a file uploaded first (`POST /api/uploads`). */
export const ReplyAttachmentSchema = Strict({
  ...AttachmentSchema.properties,
  id: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
});

/** At most this many attachments travel with one message. */
export const maxAttachments = 20;

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

/** Names of files that run programs when opened: never sent to a customer. */
const runnableName =
  /\.(exe|com|bat|cmd|scr|pif|msi|msp|vbs|vbe|js|jse|mjs|wsf|wsh|ps1|psm1|hta|cpl|jar|lnk|reg|dll|app|sh|apk|iso)$/i;
const runnableTypes = new Set([
  'application/x-msdownload',
  'application/x-msdos-program',
  'application/x-ms-installer',
  'application/x-executable',
  'application/x-sh',
  'application/javascript',
  'text/javascript',
  'application/java-archive',
  'application/vnd.android.package-archive',
]);

/**
 * Why a file an advisor attaches is refused, naming the field at fault (`name`, `contentType`,
 * `data`), or null when it may go out: not empty, within `maxBytes`, not a program, its first bytes
 * what its type says.
 */
export function composerFileRefusal(
  file: { readonly name: string; readonly contentType: string; readonly bytes: Buffer },
  maxBytes: number,
): { readonly field: 'name' | 'contentType' | 'data'; readonly reason: string } | null {
  const type = file.contentType.split(';')[0]!.trim().toLowerCase();
  if (file.bytes.length === 0) return { field: 'data', reason: 'the file is empty' };
  if (file.bytes.length > maxBytes)
    return {
      field: 'data',
      reason: `the file is larger than ${Math.floor(maxBytes / 1_000_000)} MB, the most one message carries`,
    };
  if (runnableName.test(file.name))
    return {
      field: 'name',
      reason: `${file.name} is a program or script: such files are not sent, as they could harm the customer's computer`,
    };
  if (runnableTypes.has(type))
    return {
      field: 'contentType',
      reason: `${type} is a program or script: such files are not sent`,
    };
  let fits = false;
  try {
    fits = looksLike(type, file.bytes);
  } catch {
    fits = false;
  }
  if (!fits) return { field: 'data', reason: `the file is not the ${type} its name or type says` };
  return null;
}

/** The channels whose replies carry the files Rapport stores (an email's attachments); notes keep them too. */
export const channelsCarryingFiles: readonly string[] = ['email'];
