/**
 * Files a chat visitor sends: the type must be one the account takes and the bytes must look like
 * it (the widget checks too, but a page's script can say anything), the size within the account's
 * limit, and the name is made inert: no folders, no control or direction-changing characters.
 */
import { Invalid } from '../../platform/errors.ts';
import { looksLike } from '../attachments.ts';

// Moved to the channels' root, where the desk's uploads use them too.
export { inertFileName, looksLike } from '../attachments.ts';

/** What the account takes (`chatSettingsOf`). */
export interface UploadLimits {
  readonly maxAttachmentBytes: number;
  readonly attachmentTypes: readonly string[];
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
