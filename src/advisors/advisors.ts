import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Kysely } from 'kysely';
import type { AdvisorRow, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound, Unauthenticated } from '../platform/errors.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import { normaliseEmail } from '../channels/addresses.ts';
import type { Role, Viewer } from './access.ts';
import { checkTeamInUse } from './teams.ts';
import type { Advisor } from '../api-types/people.ts';

export function toAdvisor(row: AdvisorRow): Advisor {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role as Role,
    teamId: row.team_id,
    shopId: row.shop_id,
    languages: JSON.parse(row.languages) as string[],
    skills: JSON.parse(row.skills) as string[],
    active: row.active === 1,
  };
}

export function viewerOf(row: AdvisorRow): Viewer {
  return {
    id: row.id,
    role: row.role as Role,
    teamId: row.team_id,
    shopId: row.shop_id,
    name: row.name,
  };
}

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export interface NewAdvisor {
  readonly name: string;
  readonly email: string;
  readonly role: Role;
  readonly teamId?: number | null | undefined;
  readonly shopId?: number | null | undefined;
  readonly password?: string | undefined;
  readonly languages?: readonly string[] | undefined;
  readonly skills?: readonly string[] | undefined;
}

/** Adds a person who serves (or an integration account); the password is hashed before the unit of work. */
export async function createAdvisor(
  unit: Unit,
  input: NewAdvisor & { readonly passwordHash: string | null },
  actor: Actor,
): Promise<Advisor> {
  const email = normaliseEmail(input.email);
  const name = checkName(input.name);
  const languages = checkLanguages(input.languages ?? ['en']);
  if (input.role === 'shop_advisor' && input.shopId == null)
    throw new Invalid('shopId', 'a shop advisor needs a shop');
  await checkRefs(unit.db, input.teamId ?? null, input.shopId ?? null);
  // The unique email decides, so two nodes adding one address at once give one advisor and a 409.
  const row = await unlessDuplicate(
    unit.db
      .insertInto('advisors')
      .values({
        name,
        email,
        role: input.role,
        team_id: input.teamId ?? null,
        shop_id: input.shopId ?? null,
        password_hash: input.passwordHash,
        languages: JSON.stringify(languages),
        skills: JSON.stringify(input.skills ?? []),
        active: 1,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
    'an advisor with this email already exists',
  );
  const advisor = toAdvisor(row);
  await unit.record({
    type: 'advisor.created',
    actor,
    entity: { type: 'advisor', id: row.id },
    after: advisor,
  });
  return advisor;
}

async function checkRefs(
  db: Kysely<Database>,
  teamId: number | null,
  shopId: number | null,
): Promise<void> {
  if (
    teamId !== null &&
    !(await db.selectFrom('teams').select('id').where('id', '=', teamId).executeTakeFirst())
  )
    throw new Invalid('teamId', 'no such team');
  await checkTeamInUse(db, teamId);
  if (
    shopId !== null &&
    !(await db.selectFrom('shops').select('id').where('id', '=', shopId).executeTakeFirst())
  )
    throw new Invalid('shopId', 'no such shop');
}

/** A person's name, trimmed: blank ("   ") is no name. */
function checkName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, ' ');
  if (!trimmed) throw new Invalid('name', 'must not be blank');
  return trimmed;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * Languages a person speaks, as language codes ("fr", "pt-BR"): each must name a language the
 * language registry knows, so "klingon" or "123" is refused; written in canonical form, each once.
 */
export function checkLanguages(languages: readonly string[], field = 'languages'): string[] {
  const seen = new Set<string>();
  languages.forEach((language, i) => {
    const code = language.trim();
    let canonical: string | undefined;
    try {
      canonical = /^[A-Za-z]{2,3}(-[A-Za-z]{2}|-[0-9]{3})?$/.test(code)
        ? Intl.getCanonicalLocales(code)[0]
        : undefined;
    } catch {
      canonical = undefined;
    }
    if (!canonical || languageNames.of(canonical.split('-')[0]!) === undefined)
      throw new Invalid(
        `${field}[${i}]`,
        `"${language}" is not a language code: use one such as "en", "fr" or "pt-BR"`,
      );
    seen.add(canonical);
  });
  return [...seen];
}

export interface AdvisorChanges {
  readonly name?: string | undefined;
  readonly role?: Role | undefined;
  readonly teamId?: number | null | undefined;
  readonly shopId?: number | null | undefined;
  readonly languages?: readonly string[] | undefined;
  readonly skills?: readonly string[] | undefined;
  readonly active?: boolean | undefined;
}

/** Changes an advisor; deactivating one also ends their sessions. */
export async function updateAdvisor(
  unit: Unit,
  id: number,
  changes: AdvisorChanges,
  actor: Actor,
): Promise<Advisor> {
  const before = await unit.db
    .selectFrom('advisors')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!before) throw new NotFound('advisor');
  await checkRefs(unit.db, changes.teamId ?? null, changes.shopId ?? null);
  const name = changes.name === undefined ? undefined : checkName(changes.name);
  const languages = changes.languages === undefined ? undefined : checkLanguages(changes.languages);
  const losesAdmin =
    before.role === 'admin' &&
    before.active === 1 &&
    ((changes.role !== undefined && changes.role !== 'admin') || changes.active === false);
  // Touching every active admin's row locks them (PostgreSQL), so two admins demoting each other at
  // once are judged one after the other and the second finds nobody left.
  if (losesAdmin)
    await unit.db
      .updateTable('advisors')
      .set((eb) => ({ updated_at: eb.ref('updated_at') }))
      .where('role', '=', 'admin')
      .where('active', '=', 1)
      .execute();
  const row = await unit.db
    .updateTable('advisors')
    .set({
      ...(name !== undefined ? { name } : {}),
      ...(changes.role !== undefined ? { role: changes.role } : {}),
      ...(changes.teamId !== undefined ? { team_id: changes.teamId } : {}),
      ...(changes.shopId !== undefined ? { shop_id: changes.shopId } : {}),
      ...(languages !== undefined ? { languages: JSON.stringify(languages) } : {}),
      ...(changes.skills !== undefined ? { skills: JSON.stringify(changes.skills) } : {}),
      ...(changes.active !== undefined ? { active: changes.active ? 1 : 0 } : {}),
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  if (row.role === 'shop_advisor' && row.shop_id === null)
    throw new Invalid('shopId', 'a shop advisor needs a shop');
  if (losesAdmin) {
    const left = await unit.db
      .selectFrom('advisors')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('active', '=', 1)
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0)
      throw new Conflict(
        'this is the last active administrator: make someone else an administrator first, or nobody could manage Rapport',
      );
  }
  if (changes.active === false || changes.role !== undefined)
    await unit.db.deleteFrom('sessions').where('advisor_id', '=', id).execute();
  await unit.record({
    type: 'advisor.updated',
    actor,
    entity: { type: 'advisor', id },
    before: toAdvisor(before),
    after: toAdvisor(row),
  });
  return toAdvisor(row);
}

/** Sets a new password and ends every session of that advisor. */
export async function setPassword(
  unit: Unit,
  id: number,
  passwordHash: string,
  actor: Actor,
): Promise<void> {
  const result = await unit.db
    .updateTable('advisors')
    .set({ password_hash: passwordHash, updated_at: unit.now })
    .where('id', '=', id)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFound('advisor');
  await unit.db.deleteFrom('sessions').where('advisor_id', '=', id).execute();
  await unit.record({ type: 'advisor.password-reset', actor, entity: { type: 'advisor', id } });
}

/** Lists advisors, by name. */
export async function listAdvisors(db: Kysely<Database>): Promise<Advisor[]> {
  return (await db.selectFrom('advisors').selectAll().orderBy('name').orderBy('id').execute()).map(
    toAdvisor,
  );
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

// A fixed hash to verify against when the email is unknown, so both paths take the same time.
const decoyHash = hash('decoy-password-for-timing');

/** Checks email and password; returns the advisor's row or throws Unauthenticated (same answer for both failures). */
export async function checkPassword(
  db: Kysely<Database>,
  email: string,
  password: string,
): Promise<AdvisorRow> {
  const row = await db
    .selectFrom('advisors')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  const ok = await verify(row?.password_hash ?? (await decoyHash), password).catch(() => false);
  if (!row || !row.password_hash || !ok || row.active !== 1 || row.role === 'integration')
    throw new Unauthenticated('email or password is wrong');
  return row;
}

/** Opens a session; the caller gets the token, the database keeps only its hash. */
export async function openSession(unit: Unit, advisorId: number, ttlMs: number): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await unit.db
    .insertInto('sessions')
    .values({
      id: sha256(token),
      advisor_id: advisorId,
      created_at: unit.now,
      expires_at: unit.now + ttlMs,
    })
    .execute();
  await unit.db.deleteFrom('sessions').where('expires_at', '<', unit.now).execute();
  await unit.record({
    type: 'advisor.signed-in',
    actor: { type: 'advisor', id: advisorId },
    entity: { type: 'advisor', id: advisorId },
  });
  return token;
}

/** Ends a session. */
export async function closeSession(unit: Unit, token: string): Promise<void> {
  const session = await unit.db
    .selectFrom('sessions')
    .select('advisor_id')
    .where('id', '=', sha256(token))
    .executeTakeFirst();
  if (!session) return;
  await unit.db.deleteFrom('sessions').where('id', '=', sha256(token)).execute();
  await unit.record({
    type: 'advisor.signed-out',
    actor: { type: 'advisor', id: session.advisor_id },
    entity: { type: 'advisor', id: session.advisor_id },
  });
}

/** The advisor behind a session cookie, if the session is live. */
export async function advisorForSession(
  db: Kysely<Database>,
  token: string,
  now: number,
): Promise<AdvisorRow | undefined> {
  return db
    .selectFrom('sessions')
    .innerJoin('advisors', 'advisors.id', 'sessions.advisor_id')
    .selectAll('advisors')
    .where('sessions.id', '=', sha256(token))
    .where('sessions.expires_at', '>', now)
    .where('advisors.active', '=', 1)
    .executeTakeFirst();
}

/**
 * What an API token may do: `read` any GET its account may call, `inbound:write` take in contacts
 * (the inbound API, callback requests), `admin` every other change its account may make.
 */
export const tokenScopes = ['read', 'inbound:write', 'admin'] as const;
export type TokenScope = (typeof tokenScopes)[number];

/** A token's scopes as stored; a token older than scopes (null) keeps all of them. */
export function scopesOf(stored: string | null): readonly TokenScope[] {
  return stored === null ? tokenScopes : (JSON.parse(stored) as TokenScope[]);
}

/** The account behind a live API token, with the token's id, scopes and last use. */
export interface TokenHolder {
  readonly row: AdvisorRow;
  readonly tokenId: number;
  readonly scopes: readonly TokenScope[];
  readonly lastUsedAt: number | null;
}

/** The account behind an API token, if the token is live. */
export async function advisorForToken(
  db: Kysely<Database>,
  token: string,
): Promise<TokenHolder | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('advisors', 'advisors.id', 'api_tokens.advisor_id')
    .selectAll('advisors')
    .select([
      'api_tokens.id as token_id',
      'api_tokens.scopes as token_scopes',
      'api_tokens.last_used_at as token_last_used_at',
    ])
    .where('api_tokens.token_hash', '=', sha256(token))
    .where('api_tokens.revoked_at', 'is', null)
    .where('advisors.active', '=', 1)
    .executeTakeFirst();
  if (!row) return undefined;
  const { token_id, token_scopes, token_last_used_at, ...advisor } = row;
  return {
    row: advisor,
    tokenId: token_id,
    scopes: scopesOf(token_scopes),
    lastUsedAt: token_last_used_at === null ? null : Number(token_last_used_at),
  };
}

/** How often a token's last use is written: at most once a minute, not on every request. */
export const tokenUseResolutionMs = 60_000;

/** Notes that a token was used now, unless that was written less than a minute ago. */
export async function recordTokenUse(unit: Unit, tokenId: number): Promise<void> {
  await unit.db
    .updateTable('api_tokens')
    .set({ last_used_at: unit.now })
    .where('id', '=', tokenId)
    .where((eb) =>
      eb.or([
        eb('last_used_at', 'is', null),
        eb('last_used_at', '<=', unit.now - tokenUseResolutionMs),
      ]),
    )
    .execute();
}

/** The id of the API token given, revoked or not, so a caller can tell when it is revoked. */
export async function tokenIdOf(db: Kysely<Database>, token: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('api_tokens')
    .select('id')
    .where('token_hash', '=', sha256(token))
    .executeTakeFirst();
  return row?.id;
}

/** Issues an API token for an account; the token is shown once and only its hash is kept. */
export async function issueToken(
  unit: Unit,
  advisorId: number,
  name: string,
  actor: Actor,
  scopes: readonly TokenScope[] = tokenScopes,
): Promise<{ id: number; token: string; scopes: readonly TokenScope[] }> {
  const kept = tokenScopes.filter((scope) => scopes.includes(scope));
  if (kept.length === 0) throw new Invalid('scopes', 'choose at least one scope');
  const advisor = await unit.db
    .selectFrom('advisors')
    .select('id')
    .where('id', '=', advisorId)
    .executeTakeFirst();
  if (!advisor) throw new Invalid('advisorId', 'no such advisor');
  const token = `rpt_${randomBytes(24).toString('base64url')}`;
  const row = await unit.db
    .insertInto('api_tokens')
    .values({
      name,
      token_hash: sha256(token),
      advisor_id: advisorId,
      created_at: unit.now,
      revoked_at: null,
      scopes: JSON.stringify(kept),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await unit.record({
    type: 'token.issued',
    actor,
    entity: { type: 'api_token', id: row.id },
    after: { name, advisorId, scopes: kept },
  });
  return { id: row.id, token, scopes: kept };
}

/** Revokes an API token. */
export async function revokeToken(unit: Unit, id: number, actor: Actor): Promise<void> {
  const result = await unit.db
    .updateTable('api_tokens')
    .set({ revoked_at: unit.now })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) throw new NotFound('token');
  await unit.record({ type: 'token.revoked', actor, entity: { type: 'api_token', id } });
}

export type { Advisor };
