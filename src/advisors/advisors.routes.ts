import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Context } from '../platform/context.ts';
import { IdParams, Strict, StringEnum } from '../platform/http/schemas.ts';
import { createOnce } from '../platform/http/idempotency.ts';
import { Invalid, NotFound, Unauthenticated } from '../platform/errors.ts';
import { roles } from './access.ts';
import {
  checkPassword,
  closeSession,
  createAdvisor,
  hashPassword,
  issueToken,
  listAdvisors,
  scopesOf,
  tokenScopes,
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
import {
  createTeam,
  deleteTeam,
  loadDirectory,
  renameTeam,
  setTeamArchived,
  teamKinds,
} from './teams.ts';
import {
  deadLink,
  issuePasswordLink,
  livePasswordLink,
  setPasswordPath,
  usePasswordLink,
  type IssuedPasswordLink,
  type PasswordLinkMailer,
  type PasswordLinkPurpose,
} from './password-links.ts';

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
const TeamChangesBody = Strict({
  name: Type.Optional(TeamName),
  archived: Type.Optional(Type.Boolean()),
});
const TeamsQuery = Strict({ archived: Type.Optional(Type.Boolean()) });
const NewToken = Strict({
  name: Type.String({ minLength: 1, maxLength: 120 }),
  advisorId: Type.Integer({ minimum: 1 }),
  // Without scopes a token reads and takes in contacts: changing anything else is asked for.
  scopes: Type.Optional(
    Type.Array(StringEnum(tokenScopes), { minItems: 1, maxItems: 3, uniqueItems: true }),
  ),
});
const LinkToken = Type.String({ minLength: 20, maxLength: 100 });
const PasswordLinkBody = Strict({ token: LinkToken });
const SetPasswordBody = Strict({
  token: LinkToken,
  password: Type.String({ minLength: 10, maxLength: 200 }),
});

/** What the administrator sees of a link just made: the link itself (once) and whether it was emailed. */
interface LinkAnswer {
  readonly url: string | null;
  readonly expiresAt: string;
  readonly emailed: boolean;
  readonly email: string;
  readonly note?: string;
}

/**
 * Sign-in, people, teams, the directory of colleagues, API tokens, and set-password links (sent by
 * `mailer` when the company can send email).
 */
export function registerAdvisorRoutes(
  app: FastifyInstance,
  ctx: Context,
  options: { readonly mailer?: PasswordLinkMailer } = {},
): void {
  const { db } = ctx.store;

  const cookieOptions = () => ({
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: ctx.config.cookieSecure,
    path: '/',
    maxAge: Math.floor(ctx.config.sessionTtlMs / 1000),
  });

  // An invitation or a reset: a new link, emailed when the company can, always shown to the admin.
  const linkRoute = (purpose: PasswordLinkPurpose, path: string, summary: string) =>
    app.post<{ Params: IdParams }>(
      path,
      { schema: { tags: ['advisors'], summary, params: IdParams }, config: { allow: admins } },
      async (request, reply) => {
        const me = viewer(request);
        const base = ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
        const canEmail = (await options.mailer?.ready(db)) ?? false;
        return createOnce(
          ctx.writer,
          request,
          reply,
          `advisor:${me.id}`,
          async (unit) => {
            const link: IssuedPasswordLink = await issuePasswordLink(
              unit,
              request.params.id,
              purpose,
              { type: 'advisor', id: me.id },
            );
            const url = `${base.replace(/\/$/, '')}${setPasswordPath(link.token)}`;
            if (canEmail && options.mailer) await options.mailer.queue(unit, link, url);
            const body: LinkAnswer = {
              url,
              expiresAt: new Date(link.expiresAt).toISOString(),
              emailed: canEmail,
              email: link.email,
            };
            return { status: 201, body };
          },
          {
            remembered: (body) => ({
              ...(body as LinkAnswer),
              url: null,
              note: 'the link was shown once; make a new one if it was lost',
            }),
          },
        );
      },
    );
  linkRoute(
    'invite',
    '/api/advisors/:id/invite',
    'Invite a person: a single-use link to set their password (emailed when email is set up)',
  );
  linkRoute(
    'reset',
    '/api/advisors/:id/password-reset',
    "Reset a person's password: their sessions end, and a single-use link sets a new one",
  );

  app.post<{ Body: Static<typeof PasswordLinkBody> }>(
    '/api/auth/password-link',
    {
      schema: {
        tags: ['auth'],
        summary: 'Whose a set-password link is, while it still works',
        body: PasswordLinkBody,
      },
      config: { allow: 'public' },
    },
    async (request) => {
      const link = await livePasswordLink(db, request.body.token, ctx.clock.now());
      if (!link) throw deadLink();
      return {
        name: link.name,
        email: link.email,
        purpose: link.purpose,
        expiresAt: new Date(link.expiresAt).toISOString(),
      };
    },
  );

  app.post<{ Body: Static<typeof SetPasswordBody> }>(
    '/api/auth/set-password',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a password with a set-password link; signs the person in',
        body: SetPasswordBody,
      },
      config: { allow: 'public' },
    },
    async (request, reply) => {
      const passwordHash = await hashPassword(request.body.password);
      const { token, advisor } = await ctx.writer.run(async (unit) => {
        const link = await usePasswordLink(unit, request.body.token, passwordHash);
        const session = await openSession(unit, link.advisorId, ctx.config.sessionTtlMs);
        const row = await unit.db
          .selectFrom('advisors')
          .selectAll()
          .where('id', '=', link.advisorId)
          .executeTakeFirstOrThrow();
        return { token: session, advisor: toAdvisor(row) };
      });
      reply.setCookie(sessionCookie, token, cookieOptions());
      return { advisor };
    },
  );

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
      reply.setCookie(sessionCookie, token, cookieOptions());
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

  app.get<{ Querystring: Static<typeof TeamsQuery> }>(
    '/api/teams',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Teams in use; with archived=true, archived ones too',
        querystring: TeamsQuery,
      },
      config: { allow: staff },
    },
    async (request) => {
      let query = db.selectFrom('teams').select(['id', 'name', 'kind', 'archived_at']);
      if (request.query.archived !== true) query = query.where('archived_at', 'is', null);
      const rows = await query.orderBy('id').execute();
      return {
        items: rows.map((t) => ({
          id: t.id,
          name: t.name,
          kind: t.kind,
          archived: t.archived_at !== null,
        })),
      };
    },
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
        summary: 'Rename a team, archive it (out of routing and pickers) or restore it',
        params: IdParams,
        body: TeamChangesBody,
      },
      config: { allow: admins },
    },
    async (request) => {
      const me = viewer(request);
      const actor = { type: 'advisor' as const, id: me.id };
      const { name, archived } = request.body;
      return ctx.writer.run(async (unit) => {
        let team =
          name !== undefined ? await renameTeam(unit, request.params.id, name, actor) : null;
        if (archived !== undefined)
          team = await setTeamArchived(unit, request.params.id, archived, actor);
        if (!team) throw new Invalid('body', 'say what changes: a name, or archived');
        return team;
      });
    },
  );

  app.delete<{ Params: IdParams }>(
    '/api/teams/:id',
    {
      schema: {
        tags: ['advisors'],
        summary: 'Delete a team without history (one with cases is archived instead)',
        params: IdParams,
      },
      config: { allow: admins },
    },
    async (request, reply) => {
      const me = viewer(request);
      await ctx.writer.run((unit) =>
        deleteTeam(unit, request.params.id, { type: 'advisor', id: me.id }),
      );
      return reply.status(204).send();
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
          .select([
            'id',
            'name',
            'advisor_id',
            'created_at',
            'revoked_at',
            'scopes',
            'last_used_at',
          ])
          .orderBy('id')
          .execute()
      ).map((t) => ({
        id: t.id,
        name: t.name,
        advisorId: t.advisor_id,
        createdAt: new Date(t.created_at).toISOString(),
        revoked: t.revoked_at !== null,
        scopes: scopesOf(t.scopes),
        // Written at most once a minute: "last used" is true to the minute.
        lastUsedAt: t.last_used_at === null ? null : new Date(Number(t.last_used_at)).toISOString(),
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
          body: await issueToken(
            unit,
            request.body.advisorId,
            request.body.name,
            { type: 'advisor', id: me.id },
            request.body.scopes ?? ['read', 'inbound:write'],
          ),
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
