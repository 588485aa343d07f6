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

/** At most this many attachments travel with one message. */
export const maxAttachments = 20;
