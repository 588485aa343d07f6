import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';
import { foreignKeyField } from '../platform/db/foreign-key.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import type { Directory, DirectoryPerson } from '../api-types/people.ts';

/** A contact-centre team, or the team of a shop's desk. */
export const teamKinds = ['contact_centre', 'shop'] as const;

export interface Team {
  readonly id: number;
  readonly name: string;
  readonly kind: (typeof teamKinds)[number];
  /** Archived: kept for its history, out of routing and pickers. */
  readonly archived?: boolean;
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

/** What still ties a team to the company, by kind, when it cannot simply go. */
export interface TeamTies {
  /** Cases, work and recorded events: the team's history, which deleting would lose. */
  readonly history: number;
  /** People, shops and channel accounts that belong to it now. */
  readonly members: number;
}

/** Counts a team's history and its present members. */
export async function teamTies(db: Kysely<Database>, id: number): Promise<TeamTies> {
  const count = async (
    table: 'conversations' | 'work_items' | 'advisors' | 'shops' | 'channel_accounts',
  ) =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('team_id', '=', id)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const events = Number(
    (
      await db
        .selectFrom('events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('team_id', '=', id)
        .where('type', 'not like', 'team.%')
        .executeTakeFirstOrThrow()
    ).n,
  );
  return {
    history: (await count('conversations')) + (await count('work_items')) + events,
    members: (await count('advisors')) + (await count('shops')) + (await count('channel_accounts')),
  };
}

async function teamRow(db: Kysely<Database>, id: number) {
  const row = await db
    .selectFrom('teams')
    .select(['id', 'name', 'kind', 'archived_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('team');
  return row;
}

/**
 * Deletes a team that has no history and nobody in it. A team with cases or recorded work is
 * archived instead (`archiveTeam`), so its history keeps its name.
 */
export async function deleteTeam(unit: Unit, id: number, actor: Actor): Promise<void> {
  const before = await teamRow(unit.db, id);
  const ties = await teamTies(unit.db, id);
  if (ties.history > 0)
    throw new Conflict(
      'this team has cases or recorded work: archive it instead, to keep its history',
    );
  if (ties.members > 0)
    throw new Conflict(
      'people, shops or channel accounts belong to this team: move them to another team first',
    );
  await unit.db
    .deleteFrom('events')
    .where('team_id', '=', id)
    .where('type', 'like', 'team.%')
    .execute();
  try {
    await unit.db.deleteFrom('teams').where('id', '=', id).execute();
  } catch (error) {
    // A record of an area not counted above still names the team: keep it, say why.
    if (foreignKeyField(error) !== undefined)
      throw new Conflict('other records still name this team: archive it instead');
    throw error;
  }
  await unit.record({
    type: 'team.deleted',
    actor,
    entity: { type: 'team', id },
    before: { name: before.name, kind: before.kind },
  });
}

/**
 * Archives a team (it keeps its history, leaves routing and pickers) or restores it. An archived
 * team still with people or channel accounts would keep taking work: they move first.
 */
export async function setTeamArchived(
  unit: Unit,
  id: number,
  archived: boolean,
  actor: Actor,
): Promise<Team> {
  const before = await teamRow(unit.db, id);
  if (archived && before.archived_at === null) {
    const ties = await teamTies(unit.db, id);
    if (ties.members > 0)
      throw new Conflict(
        'people, shops or channel accounts belong to this team: move them to another team before archiving it',
      );
  }
  if (archived === (before.archived_at !== null))
    return { id, name: before.name, kind: before.kind as Team['kind'], archived };
  await unit.db
    .updateTable('teams')
    .set({ archived_at: archived ? unit.now : null })
    .where('id', '=', id)
    .execute();
  await unit.record({
    type: archived ? 'team.archived' : 'team.restored',
    actor,
    entity: { type: 'team', id },
    scope: { teamId: id },
    before: { archived: !archived },
    after: { archived },
  });
  return { id, name: before.name, kind: before.kind as Team['kind'], archived };
}

/** Refuses an archived team as where work goes (a case moved, a person placed), naming the field. */
export async function checkTeamInUse(
  db: Kysely<Database>,
  teamId: number | null | undefined,
  field = 'teamId',
): Promise<void> {
  if (teamId == null) return;
  const row = await db
    .selectFrom('teams')
    .select('archived_at')
    .where('id', '=', teamId)
    .executeTakeFirst();
  if (row && row.archived_at !== null)
    throw new Invalid(field, 'this team is archived: restore it first, or choose another team');
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
    // Archived teams are out of every picker; the admin's team list shows them (GET /api/teams).
    teams: await db
      .selectFrom('teams')
      .select(['id', 'name', 'kind'])
      .where('archived_at', 'is', null)
      .orderBy('name')
      .execute(),
  };
}

export type { Directory, DirectoryPerson };
