import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { leads, staff, viewer } from '../advisors/authenticate.ts';
import {
  createMacro,
  deleteMacro,
  listMacros,
  macroVariables,
  renderMacro,
  updateMacro,
} from './macros.ts';

const Name = Type.String({ minLength: 1, maxLength: 120 });
const Body = Type.String({ minLength: 1, maxLength: 20_000 });
const NewMacroBody = Strict({ name: Name, body: Body });
const MacroChangesBody = Strict({ name: Type.Optional(Name), body: Type.Optional(Body) });
const RenderQuery = Strict({ conversationId: Type.Integer({ minimum: 1 }) });

/** Saved answers with variables: everyone uses them, supervisors and admins write them. */
export function registerMacroRoutes(app: FastifyInstance, ctx: Context): void {
  const { read } = ctx.store;
  const actorOf = (id: number) => ({ type: 'advisor' as const, id });

  app.get(
    '/api/macros',
    {
      schema: { tags: ['macros'], summary: 'Macros, by name, with the variables they may use' },
      config: { allow: staff },
    },
    async () => ({
      items: await listMacros(read),
      variables: macroVariables,
    }),
  );

  app.post<{ Body: Static<typeof NewMacroBody> }>(
    '/api/macros',
    {
      schema: { tags: ['macros'], summary: 'Save a macro', body: NewMacroBody },
      config: { allow: leads },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createMacro(unit, request.body, actorOf(me.id)),
      }));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof MacroChangesBody> }>(
    '/api/macros/:id',
    {
      schema: {
        tags: ['macros'],
        summary: 'Rename or rewrite a macro',
        params: IdParams,
        body: MacroChangesBody,
      },
      config: { allow: leads },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        updateMacro(unit, request.params.id, request.body, actorOf(me.id)),
      );
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/macros/:id',
    {
      schema: { tags: ['macros'], summary: 'Delete a macro', params: IdParams },
      config: { allow: leads },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) => deleteMacro(unit, request.params.id, actorOf(me.id)));
      return reply.status(204).send();
    },
  );

  app.get<{ Params: IdParams; Querystring: Static<typeof RenderQuery> }>(
    '/api/macros/:id/render',
    {
      schema: {
        tags: ['macros'],
        summary: 'A macro filled for one case, signed by you',
        params: IdParams,
        querystring: RenderQuery,
      },
      config: { allow: staff },
    },
    async (request) =>
      renderMacro(read, request.params.id, request.query.conversationId, viewer(request)),
  );
}
