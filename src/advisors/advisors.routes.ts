import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { NotFound, Unauthenticated } from '../platform/errors.ts';
import { roles } from './access.ts';
import {
  checkPassword,
  closeSession,
  createAdvisor,
  hashPassword,
  issueToken,
  listAdvisors,
  openSession,
  revokeToken,
  toAdvisor,
  updateAdvisor,
} from './advisors.ts';
import { admins, leads, sessionCookie, staff, viewer } from './authenticate.ts';
import {
  TooManyAttempts,
  checkLoginAllowed,
  clearLoginFailures,
  recordLoginFailure,
} from './login-limits.ts';
import { createTeam, loadDirectory, renameTeam, teamKinds } from './teams.ts';

const Login = Strict({
  email: Type.String({ minLength: 3, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 200 }),
});
const Role = StringEnum(roles);
const NewAdvisorBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  email: Type.String({ minLength: 3, maxLength: 254 }),
  role: Role,
  teamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  shopId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  password: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
  languages: Type.Optional(
    Type.Array(Type.String({ minLength: 2, maxLength: 10 }), { maxItems: 20 }),
  ),
  skills: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 50 })),
});
const AdvisorChangesBody = Strict({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
  role: Type.Optional(Role),
  teamId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  shopId: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
  languages: Type.Optional(
    Type.Array(Type.String({ minLength: 2, maxLength: 10 }), { maxItems: 20 }),
  ),
  skills: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 50 })),
  active: Type.Optional(Type.Boolean()),
});
const TeamName = Type.String({ minLength: 1, maxLength: 120 });
const NewTeamBody = Strict({ name: TeamName, kind: StringEnum(teamKinds) });
const TeamChangesBody = Strict({ name: TeamName });
const NewToken = Strict({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  advisorId: Type.Integer({ minimum: 1 }),
});

/** Sign-in, people, teams, the directory of colleagues, and API tokens. */
export function registerAdvisorRoutes(app: FastifyInstance, ctx: Context): void {
  const { db } = ctx.store;

  app.post<{ Body: Static<typeof Login> }>(
    '/api/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password; sets an httpOnly session cookie',
        body: Login,
      },
      // Limits live in the database (login-limits.ts), so several nodes count the same tries.
      config: { allow: 'public' },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      // request.ip is the peer, or the client named by X-Forwarded-For from a trusted proxy only.
      try {
        await checkLoginAllowed(db, request.ip, email, ctx.clock.now());
      } catch (error) {
        if (error instanceof TooManyAttempts)
          void reply.header('retry-after', String(error.retryAfterSeconds));
        throw error;
      }
      const row = await checkPassword(db, email, password).catch(async (error: unknown) => {
        if (error instanceof Unauthenticated)
          await recordLoginFailure(ctx.writer, request.ip, email);
        throw error;
      });
      const token = await ctx.writer.run(async (unit) => {
        await clearLoginFailures(unit, email);
        return openSession(unit, row.id, ctx.config.sessionTtlMs);
      });
      reply.setCookie(sessionCookie, token, {
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.config.cookieSecure,
        path: '/',
        maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
      });
      return { advisor: toAdvisor(row) };
    },
  );

  app.post(
    '/api/auth/logout',
    { schema: { tags: ['auth'], summary: 'Sign out' }, config: { allow: 'public' } },
    async (request, reply) => {
      const token = request.cookies[sessionCookie];
      if (token) await ctx.writer.run((unit) => closeSession(unit, token));
      reply.clearCookie(sessionCookie, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    {
      schema: { tags: ['auth'], summary: 'Who is signed in' },
      config: { allow: [...staff, 'integration'] },
    },
    async (request) => {
      const row = await db
        .selectFrom('advisors')
        .selectAll()
        .where('id', '=', viewer(request).id)
        .executeTakeFirstOrThrow();
      return { advisor: toAdvisor(row) };
    },
  );

  app.get(
    '/api/advisors',
    { schema: { tags: ['advisors'], summary: 'List advisors' }, config: { allow: leads } },
    async () => ({ items: await listAdvisors(db) }),
  );

  app.get<{ Params: IdParams }>(
    '/api/advisors/:id',
    { schema: { tags: ['advisors'], params: IdParams }, config: { allow: leads } },
    async (request) => {
      const row = await db
        .selectFrom('advisors')
        .selectAll()
        .where('id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw new NotFound('advisor');
      return toAdvisor(row);
    },
  );

  app.post<{ Body: Static<typeof NewAdvisorBody> }>(
    '/api/advisors',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Add an advisor or integration account',
        body: NewAdvisorBody,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      const passwordHash = request.body.password ? await hashPassword(request.body.password) : null;
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createAdvisor(
          unit,
          { ...request.body, passwordHash },
          { type: 'advisor', id: me.id },
        ),
      }));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof AdvisorChangesBody> }>(
    '/api/advisors/:id',
    {
      schema: { tags: ['advisors'], params: IdParams, body: AdvisorChangesBody },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        updateAdvisor(unit, request.params.id, request.body, { type: 'advisor', id: me.id }),
      );
    },
  );

  app.get(
    '/api/teams',
    { schema: { tags: ['advisors'], summary: 'Teams' }, config: { allow: staff } },
    async () => ({
      items: await db.selectFrom('teams').select(['id', 'name', 'kind']).orderBy('id').execute(),
    }),
  );

  app.post<{ Body: Static<typeof NewTeamBody> }>(
    '/api/teams',
    {
      schema: { tags: ['advisors'], summary: 'Create a team', body: NewTeamBody },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(ctx.writer, request, reply, `advisor:${me.id}`, async (unit) => ({
        status: 201,
        body: await createTeam(unit, request.body, { type: 'advisor', id: me.id }),
      }));
    },
  );

  app.patch<{ Params: IdParams; Body: Static<typeof TeamChangesBody> }>(
    '/api/teams/:id',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Rename a team',
        params: IdParams,
        body: TeamChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      return ctx.writer.run((unit) =>
        renameTeam(unit, request.params.id, request.body.name, { type: 'advisor', id: me.id }),
      );
    },
  );

  app.get(
    '/api/desk/directory',
    {
      schema: {
        tags: ['desk'],
        summary: 'Names of colleagues and teams, to show who owns and who wrote',
        querystring: Strict({}),
      },
      config: { allow: staff },
    },
    async () => loadDirectory(ctx.store.read),
  );

  app.get(
    '/api/tokens',
    {
      schema: { tags: ['advisors'], summary: 'API tokens (never the secret)' },
      config: { allow: admins },
    },
    async () => ({
      items: (
        await db
          .selectFrom('api_tokens')
          .select(['id', 'name', 'advisor_id', 'created_at', 'revoked_at'])
          .orderBy('id')
          .execute()
      ).map((t) => ({
        id: t.id,
        name: t.name,
        advisorId: t.advisor_id,
        createdAt: new Date(t.created_at).toISOString(),
        revoked: t.revoked_at !== null,
      })),
    }),
  );

  app.post<{ Body: Static<typeof NewToken> }>(
    '/api/tokens',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Issue an API token; the secret is shown once',
        body: NewToken,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      return createOnce(
        ctx.writer,
        request,
        reply,
        `advisor:${me.id}`,
        async (unit) => ({
          status: 201,
          body: await issueToken(unit, request.body.advisorId, request.body.name, {
            type: 'advisor',
            id: me.id,
          }),
        }),
        // Only the token's hash is kept: a replay answers the token without its secret, and says so.
        {
          remembered: (body) => ({
            id: (body as { id: number }).id,
            token: null,
            note: 'the token was shown once, when it was issued; issue a new one if it was lost',
          }),
        },
      );
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/tokens/:id',
    { schema: { tags: ['advisors'], params: IdParams }, config: { allow: admins } },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) =>
        revokeToken(unit, request.params.id, { type: 'advisor', id: me.id }),
      );
      return reply.status(204).send();
    },
  );
}
