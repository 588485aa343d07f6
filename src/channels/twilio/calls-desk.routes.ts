/**
 * The desk's call routes: `GET /api/calls/:id` (one call as the timeline shows it),
 * `POST /api/calls/:id/wrap-up` (notes, outcome, a hard call), `POST /api/calls/:id/callback` (call a
 * missed caller back), `GET /api/calls/:id/recording` (the stored recording or voicemail, played in
 * the desk) and `GET /api/callbacks` (the callbacks due, oldest first, with their real wait). Scoped
 * like the case: a call or callback of a case the viewer may not see does not exist for them.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Context } from '../../platform/context.ts';
import { IdParams, Strict } from '../../platform/http/schemas.ts';
import { staff, viewer } from '../../advisors/authenticate.ts';
import { wrapUpOutcomes } from '../../api-types/conversations.ts';
import { NotFound } from '../../platform/errors.ts';
import { getBlob } from '../blobs.ts';
import { callbacksDue, wrapUpCall } from './calls-desk.ts';
import { callBackMissedCall, callOf } from './missed-calls.ts';
import { storedRecording } from './recordings.ts';

const WrapUpBody = Strict({
  outcome: Type.Union(wrapUpOutcomes.map((o) => Type.Literal(o))),
  notes: Type.String({ maxLength: 10_000 }),
  /** "This was a hard call": routing gives the advisor recovery time before the next. */
  hard: Type.Boolean(),
});

export function registerCallsDeskRoutes(app: FastifyInstance, ctx: Context): void {
  app.post<{ Params: IdParams; Body: Static<typeof WrapUpBody> }>(
    '/api/calls/:id/wrap-up',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Wrap up a call: notes, an outcome, and whether it was a hard call',
        params: IdParams,
        body: WrapUpBody,
      },
      config: { allow: staff },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) => wrapUpCall(unit, request.params.id, me, request.body));
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/calls/:id',
    {
      schema: {
        tags: ['conversations'],
        summary: 'One call as the timeline shows it: state, length, advisor, recording, wrap-up',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request) => callOf(ctx.store.read, request.params.id, viewer(request)),
  );

  app.post<{ Params: IdParams }>(
    '/api/calls/:id/callback',
    {
      schema: {
        tags: ['routing'],
        summary:
          'Call a missed caller back: a callback work item on their case that keeps the missed call’s place in line (once per call)',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      const me = viewer(request);
      const made = await ctx.writer.run((unit) => callBackMissedCall(unit, request.params.id, me));
      return reply.code(made.created ? 201 : 200).send(made);
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/calls/:id/recording',
    {
      schema: {
        tags: ['conversations'],
        summary: 'A call’s recording or voicemail, fetched from the provider and kept (audio)',
        params: IdParams,
      },
      config: { allow: staff },
    },
    async (request, reply) => {
      await callOf(ctx.store.read, request.params.id, viewer(request));
      const sha256 = await storedRecording(ctx.store.read, request.params.id);
      const blob = sha256 === undefined ? undefined : await getBlob(ctx.store.read, sha256);
      if (!blob) throw new NotFound('recording');
      const type =
        blob.contentType === 'audio/wav' || blob.contentType === 'audio/x-wav'
          ? 'audio/wav'
          : 'audio/mpeg';
      reply
        .header('content-type', type)
        .header('accept-ranges', 'bytes')
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('cache-control', 'private, max-age=3600');
      // The desk's audio player asks for ranges to seek.
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(request.headers.range ?? ''));
      if (range && (range[1] !== '' || range[2] !== '')) {
        const size = blob.bytes.length;
        const start = range[1] === '' ? Math.max(0, size - Number(range[2])) : Number(range[1]);
        const end =
          range[1] === '' || range[2] === '' ? size - 1 : Math.min(size - 1, Number(range[2]));
        if (start >= size || start > end)
          return reply.code(416).header('content-range', `bytes */${size}`).send();
        return reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${size}`)
          .send(blob.bytes.subarray(start, end + 1));
      }
      return reply.send(blob.bytes);
    },
  );

  app.get(
    '/api/callbacks',
    {
      schema: {
        tags: ['routing'],
        summary: 'The callbacks due, oldest first, with how long each customer has really waited',
      },
      config: { allow: staff },
    },
    async (request) => ({
      items: await callbacksDue(ctx.store.read, viewer(request), ctx.clock.now()),
    }),
  );
}
