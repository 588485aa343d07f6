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
