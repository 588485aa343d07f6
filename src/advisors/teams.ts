import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import type { Directory, DirectoryPerson } from '../api-types/people.ts';

/** A contact-centre team, or the team of a shop's desk. */
export const teamKinds = ['contact_centre', 'shop'] as const;

export interface Team {
  readonly id: number;
  readonly name: string;
  readonly kind: (typeof teamKinds)[number];
}

/** Creates a team; names are unique (also in the database). */
export async function createTeam(
  unit: Unit,
  input: { readonly name: string; readonly kind: Team['kind'] },
  actor: Actor,
): Promise<Team> {
  const name = input.name.trim();
  if (!name) throw new Invalid('name', 'must not be blank');
  // The unique name decides, so two nodes creating one team at once give one team and a 409.
  const row = await unlessDuplicate(
    unit.db
      .insertInto('teams')
      .values({ name, kind: input.kind, created_at: unit.now })
      .returning(['id', 'name', 'kind'])
      .executeTakeFirstOrThrow(),
    `a team named "${name}" already exists`,
  );
  await unit.record({
    type: 'team.created',
    actor,
    entity: { type: 'team', id: row.id },
    scope: { teamId: row.id },
    after: { name: row.name, kind: row.kind },
  });
  return { id: row.id, name: row.name, kind: row.kind as Team['kind'] };
}

/** Renames a team. */
export async function renameTeam(
  unit: Unit,
  id: number,
  newName: string,
  actor: Actor,
): Promise<Team> {
  const before = await unit.db
    .selectFrom('teams')
    .select(['id', 'name', 'kind'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!before) throw new NotFound('team');
  const name = newName.trim();
  if (!name) throw new Invalid('name', 'must not be blank');
  await unlessDuplicate(
    unit.db.updateTable('teams').set({ name }).where('id', '=', id).execute(),
    `a team named "${name}" already exists`,
  );
  await unit.record({
    type: 'team.renamed',
    actor,
    entity: { type: 'team', id },
    scope: { teamId: id },
    before: { name: before.name },
    after: { name },
  });
  return { id, name, kind: before.kind as Team['kind'] };
}

/** Names of colleagues (not integration accounts) and teams, by name. */
export async function loadDirectory(db: Kysely<Database>): Promise<Directory> {
  const advisors = await db
    .selectFrom('advisors')
    .select(['id', 'name', 'role', 'team_id', 'shop_id', 'active'])
    .where('role', '!=', 'integration')
    .orderBy('name')
    .execute();
  return {
    advisors: advisors.map((a) => ({
      id: a.id,
      name: a.name,
      role: a.role,
      teamId: a.team_id,
      shopId: a.shop_id,
      active: a.active === 1,
    })),
    teams: await db.selectFrom('teams').select(['id', 'name', 'kind']).orderBy('name').execute(),
  };
}

export type { Directory, DirectoryPerson };
