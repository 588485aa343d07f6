/**
 * The chat's routes around the conversation: files a visitor sends, the offline form, a callback
 * or an email answer instead of waiting, and the transcript by email (for the widget and the
 * desk). Widget routes are public like the rest of `/api/widget/` (the visitor token is the
 * credential; rate limited; CORS for the account's origins) and check the token, and the
 * signed-in user's id and hash where the account requires it, on every call.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Context } from '../../platform/context.ts';
import { Invalid } from '../../platform/errors.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { visibleConversation } from '../../conversations/conversations.ts';
import { normaliseEmail, normalisePhone } from '../addresses.ts';
import { putBlob } from '../blobs.ts';
import type { Outbox } from '../send-queue.ts';
import type { ChatUpload } from '../../api-types/chat.ts';
import {
  authenticateVisitor,
  chatSettingsOf,
  visitorContactPoints,
  type VisitorContext,
} from './visitors.ts';
import { continueByEmail, rememberEmail, takeOfflineMessage } from './offline.ts';
import { takeCallback } from './waiting.ts';
import { sendTranscript } from './transcript.ts';
import { checkUpload, inertFileName } from './uploads.ts';

const KeyParams = Strict({ key: Type.String({ minLength: 1, maxLength: 300 }) });
type KeyParams = Static<typeof KeyParams>;
const UploadHeaders = Type.Object({
  'content-type': Type.String({ minLength: 3, maxLength: 255 }),
  'x-file-name': Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
});
const OfflineBody = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  email: Type.String({ minLength: 3, maxLength: 254 }),
  text: Type.String({ minLength: 1, maxLength: 10_000 }),
});
const CallbackBody = Strict({ phone: Type.String({ minLength: 3, maxLength: 40 }) });
const EmailBody = Strict({ email: Type.String({ minLength: 3, maxLength: 254 }) });
const TranscriptBody = Strict({
  email: Type.Optional(Type.String({ minLength: 3, maxLength: 254 })),
});
const DeskTranscriptBody = Strict({});

const widget = { allow: 'public', crossOrigin: 'widget' } as const;

/** The visitor behind a widget request; the page may read the answer (CORS) once they are known. */
async function visitorOf(
  ctx: Context,
  request: FastifyRequest<{ Params: KeyParams }>,
  reply: FastifyReply,
): Promise<VisitorContext> {
  const who = await authenticateVisitor(ctx, request, request.params.key);
  const origin = request.headers.origin;
  if (origin !== undefined)
    reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
  return who;
}

/** Uploads, offline form, callback, continue by email, transcripts (widget and desk). */
export function registerChatExtrasRoutes(
  app: FastifyInstance,
  ctx: Context,
  deps: { readonly outbox: Outbox },
): void {
  const region = ctx.config.defaultPhoneRegion;

  void app.register(async (scope) => {
    // A file arrives as its own bytes, whatever its type; the account's list decides what is taken.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) =>
      done(null, body),
    );
    scope.post<{ Params: KeyParams; Headers: Static<typeof UploadHeaders>; Body: Buffer }>(
      '/api/widget/:key/uploads',
      {
        bodyLimit: ctx.config.maxAttachmentBytes,
        schema: {
          tags: ['chat'],
          summary:
            'The visitor sends a file (raw body, its Content-Type, X-File-Name): checked and stored',
          params: KeyParams,
          headers: UploadHeaders,
        },
        config: widget,
      },
      async (request, reply): Promise<ChatUpload> => {
        const who = await visitorOf(ctx, request, reply);
        const settings = chatSettingsOf(who.account, ctx.config.maxAttachmentBytes);
        const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const contentType = checkUpload(request.headers['content-type'], bytes, settings);
        const name = inertFileName(request.headers['x-file-name']);
        const id = await ctx.writer.run((unit) => putBlob(unit.db, bytes, contentType, unit.now));
        reply.code(201);
        return { id, name, contentType, size: bytes.length };
      },
    );
  });

  app.post<{ Params: KeyParams; Body: Static<typeof OfflineBody> }>(
    '/api/widget/:key/offline',
    {
      schema: {
        tags: ['chat'],
        summary: 'The offline form: a case answered by email, and by when',
        params: KeyParams,
        body: OfflineBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const who = await visitorOf(ctx, request, reply);
      const receipt = await ctx.writer.run((unit) =>
        takeOfflineMessage(
          unit,
          {
            account: who.account,
            visitor: who.visitor,
            from: visitorContactPoints(who.visitor.id),
            message: request.body,
          },
          { defaultRegion: region, dialect: ctx.store.dialect },
        ),
      );
      return reply
        .code(receipt.duplicate ? 200 : 201)
        .send({ conversationId: receipt.conversationId, answerBy: receipt.answerBy });
    },
  );

  app.post<{ Params: KeyParams; Body: Static<typeof CallbackBody> }>(
    '/api/widget/:key/callback',
    {
      schema: {
        tags: ['chat'],
        summary: 'A waiting visitor takes a callback that keeps their place',
        params: KeyParams,
        body: CallbackBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const who = await visitorOf(ctx, request, reply);
      const phone = normalisePhone(request.body.phone, region, 'phone');
      await ctx.writer.run((unit) =>
        takeCallback(unit, who.visitor.conversationId, phone, {
          type: 'channel',
          id: who.account.id,
        }),
      );
      return reply.code(202).send();
    },
  );

  app.post<{ Params: KeyParams; Body: Static<typeof EmailBody> }>(
    '/api/widget/:key/continue-by-email',
    {
      schema: {
        tags: ['chat'],
        summary: 'A waiting visitor would rather be answered by email; the chat keeps its place',
        params: KeyParams,
        body: EmailBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const who = await visitorOf(ctx, request, reply);
      await ctx.writer.run((unit) =>
        continueByEmail(unit, who.visitor, request.body.email, {
          type: 'channel',
          id: who.account.id,
        }),
      );
      return reply.code(202).send();
    },
  );

  app.post<{ Params: KeyParams; Body: Static<typeof TranscriptBody> }>(
    '/api/widget/:key/transcript',
    {
      schema: {
        tags: ['chat'],
        summary: 'Email the chat’s transcript to the visitor (to this address, or theirs)',
        params: KeyParams,
        body: TranscriptBody,
      },
      config: widget,
    },
    async (request, reply) => {
      const who = await visitorOf(ctx, request, reply);
      const conversationId = who.visitor.conversationId;
      if (conversationId === null)
        throw new Invalid('conversation', 'there is no chat to send yet: write first');
      const actor = { type: 'channel' as const, id: who.account.id };
      await ctx.writer.run(async (unit) => {
        const to =
          request.body.email === undefined
            ? undefined
            : normaliseEmail(request.body.email, 'email');
        if (to !== undefined) await rememberEmail(unit, who.visitor.customerId, to, actor);
        await sendTranscript(unit, deps.outbox, conversationId, {
          to,
          actor,
          requestedBy: 'visitor',
        });
      });
      return reply.code(202).send();
    },
  );

  app.post<{ Params: IdParams; Body: Static<typeof DeskTranscriptBody> }>(
    '/api/conversations/:id/transcript',
    {
      schema: {
        tags: ['chat'],
        summary: 'Email a chat case’s transcript to the customer’s address',
        params: IdParams,
        body: DeskTranscriptBody,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run(async (unit) => {
        await visibleConversation(unit.db, request.params.id, me);
        await sendTranscript(unit, deps.outbox, request.params.id, {
          actor: { type: 'advisor', id: me.id },
          requestedBy: 'advisor',
        });
      });
      return reply.code(202).send();
    },
  );
}
