import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { Invalid, NotFound } from '../../platform/errors.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { visibleInteraction } from '../../conversations/delivery.ts';
import type { Attachment } from '../../api-types/conversations.ts';
import { getBlob, putBlob } from '../blobs.ts';
import { composerFileRefusal, inertFileName } from '../attachments.ts';

const FileParams = Strict({
  id: Type.Integer({ minimum: 1 }),
  n: Type.Integer({ minimum: 0, maximum: 1000 }),
});
type FileParams = Static<typeof FileParams>;

const UploadBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  contentType: Type.String({ minLength: 3, maxLength: 120, pattern: '^[\\w.+-]+/[\\w.+-]+$' }),
  /** The file's bytes in base64. */
  data: Type.String({ minLength: 1, contentEncoding: 'base64', pattern: '^[A-Za-z0-9+/]*={0,2}$' }),
});

/**
 * Types a browser may show as they are. Anything else, HTML and SVG above all (they run script in
 * our origin), is served as opaque bytes, and everything as a download.
 */
const shownAsIs = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/plain',
]);

/** A file name for Content-Disposition: ASCII fallback plus the exact name (RFC 6266, RFC 8187). */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Types the desk may open in a tab of their own (a picture, plain text); the rest download. */
const openable = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'text/plain']);

const FileQuery = Strict({
  /** Open a picture or plain text in the browser instead of downloading it. */
  open: Type.Optional(Type.Boolean()),
});

function sendFile(
  reply: FastifyReply,
  file: { bytes: Buffer; contentType: string; name: string },
  open = false,
): FastifyReply {
  const type = file.contentType.toLowerCase().split(';')[0]!.trim();
  const inline = open && openable.has(type);
  return reply
    .header('content-type', shownAsIs.has(type) ? type : 'application/octet-stream')
    .header(
      'content-disposition',
      inline ? disposition(file.name).replace(/^attachment/, 'inline') : disposition(file.name),
    )
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=3600')
    .send(file.bytes);
}

/**
 * Files Rapport keeps: an email's raw source and its attachments (downloadable by those who may see
 * the case, always as downloads with a safe type), and uploads for the composer's attachments.
 */
export function registerEmailRoutes(
  app: FastifyInstance,
  ctx: Context,
  options: { readonly maxAttachmentBytes: number },
): void {
  app.get<{ Params: IdParams }>(
    '/api/interactions/:id/raw',
    {
      schema: {
        tags: ['interactions'],
        summary: 'An email’s raw source as it arrived or left (message/rfc822, as a download)',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      await visibleInteraction(ctx.store.read, request.params.id, viewer(request));
      const row = await ctx.store.read
        .selectFrom('email_messages')
        .select('raw_sha256')
        .where('interaction_id', '=', request.params.id)
        .executeTakeFirst();
      const blob = row ? await getBlob(ctx.store.read, row.raw_sha256) : undefined;
      if (!blob) throw new NotFound('this interaction has no raw message');
      return reply
        .header('content-type', 'message/rfc822')
        .header('content-disposition', disposition(`message-${request.params.id}.eml`))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .send(blob.bytes);
    },
  );

  app.get<{ Params: FileParams; Querystring: Static<typeof FileQuery> }>(
    '/api/interactions/:id/attachments/:n',
    {
      schema: {
        tags: ['interactions'],
        summary:
          'One stored attachment of an interaction, as a download with a safe content type (`open=true`: a picture or text shown in the browser)',
        params: FileParams,
        querystring: FileQuery,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const { row } = await visibleInteraction(ctx.store.read, request.params.id, viewer(request));
      const attachment = (JSON.parse(row.attachments) as Attachment[])[request.params.n];
      const blob = attachment?.id ? await getBlob(ctx.store.read, attachment.id) : undefined;
      if (!attachment || !blob) throw new NotFound('no such stored attachment');
      return sendFile(
        reply,
        {
          bytes: blob.bytes,
          contentType: attachment.contentType,
          name: attachment.name,
        },
        request.query.open === true,
      );
    },
  );

  // base64 is four bytes for three, plus the JSON around it.
  const uploadLimit = Math.ceil((options.maxAttachmentBytes * 4) / 3) + 4096;
  app.post<{ Body: Static<typeof UploadBody> }>(
    '/api/uploads',
    {
      bodyLimit: uploadLimit,
      schema: {
        tags: ['interactions'],
        summary: 'Store a file for a reply’s attachments; answers its id',
        body: UploadBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const bytes = Buffer.from(request.body.data, 'base64');
      const name = inertFileName(request.body.name);
      const contentType = request.body.contentType.toLowerCase();
      const refused = composerFileRefusal({ name, contentType, bytes }, options.maxAttachmentBytes);
      if (refused) throw new Invalid(refused.field, refused.reason, [], 'attachment-refused');
      const id = await ctx.writer.run((unit) => putBlob(unit.db, bytes, contentType, unit.now));
      return reply.status(201).send({ id, name, contentType, size: bytes.length });
    },
  );
}
