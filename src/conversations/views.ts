/**
 * The desk's views of cases: the built-in ones (all, my team, unassigned, mine, resolved) and the
 * views advisors save with their own filters, optionally shared with a team. Every view is one SQL
 * query within the viewer's scope (`conversationScope`), counted and paged in the database, newest
 * activity first, with keyset cursors.
 */
import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database, SavedViewRow } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import { Invalid, NotFound } from '../platform/errors.ts';
import { unlessDuplicate } from '../platform/db/unique.ts';
import type { PageCursor } from '../platform/http/cursor.ts';
import { conversationScope, type Viewer } from '../advisors/access.ts';
import { activeStatuses, checkReferences } from './conversations.ts';
import { unreadBy } from './case-reads.ts';
import type { Priority, Status } from '../api-types/conversations.ts';
import type {
  BuiltInView,
  SavedView,
  ViewCase,
  ViewFilters,
  ViewSummary,
} from '../api-types/views.ts';

export const builtInViews = [
  'all',
  'team',
  'unassigned',
  'mine',
  'resolved',
] as const satisfies readonly BuiltInView[];

const builtInNames: Readonly<Record<BuiltInView, string>> = {
  all: 'All',
  team: 'My team',
  unassigned: 'Unassigned',
  mine: 'Mine',
  resolved: 'Resolved',
};

/** Most saved views one advisor keeps. */
export const maxSavedViews = 50;

/** What a built-in view shows this viewer; "My team" needs a team, so it is null without one. */
export function builtInFilters(view: BuiltInView, viewer: Viewer): ViewFilters | null {
  switch (view) {
    case 'all':
      return { status: 'active' };
    case 'team':
      return viewer.teamId === null ? null : { status: 'active', teamId: viewer.teamId };
    case 'unassigned':
      return { status: 'active', ownerId: 'none' };
    case 'mine':
      return { status: 'active', ownerId: 'me' };
    case 'resolved':
      return { status: 'done' };
  }
}

type Condition = (eb: ExpressionBuilder<Database, 'conversations'>) => Expression<SqlBool>;

/** A view's filters as SQL conditions on `conversations`, for this viewer. */
export function filterConditions(filters: ViewFilters, viewer: Viewer): Condition[] {
  const list: Condition[] = [];
  const status = filters.status ?? 'active';
  if (status === 'active') list.push((eb) => eb('conversations.status', 'in', activeStatuses));
  else if (status === 'done')
    list.push((eb) => eb('conversations.status', 'in', ['resolved', 'closed']));
  else list.push((eb) => eb('conversations.status', '=', status));
  const { channel, teamId, ownerId, tag, priority } = filters;
  if (channel)
    // A case is on every channel it was touched on, not only the one it began on.
    list.push((eb) =>
      eb.or([
        eb('conversations.origin_channel', '=', channel),
        eb.exists(
          eb
            .selectFrom('interactions as touched')
            .select('touched.id')
            .whereRef('touched.conversation_id', '=', 'conversations.id')
            .where('touched.channel', '=', channel),
        ),
      ]),
    );
  if (teamId !== undefined) list.push((eb) => eb('conversations.team_id', '=', teamId));
  if (ownerId === 'none') list.push((eb) => eb('conversations.owner_id', 'is', null));
  else if (ownerId === 'me') list.push((eb) => eb('conversations.owner_id', '=', viewer.id));
  else if (ownerId !== undefined) list.push((eb) => eb('conversations.owner_id', '=', ownerId));
  if (tag) {
    const clean = tag.trim().toLowerCase();
    list.push((eb) =>
      eb.exists(
        eb
          .selectFrom('conversation_tags')
          .select('conversation_tags.tag')
          .whereRef('conversation_tags.conversation_id', '=', 'conversations.id')
          .where('conversation_tags.tag', '=', clean),
      ),
    );
  }
  if (priority) list.push((eb) => eb('conversations.priority', '=', priority));
  return list;
}

function scoped(db: Kysely<Database>, viewer: Viewer, filters: ViewFilters) {
  let query = db.selectFrom('conversations').where(conversationScope(viewer));
  for (const condition of filterConditions(filters, viewer)) query = query.where(condition);
  return query;
}

/** How many cases a view holds for the viewer, and how many of them the viewer has not read. */
export async function countView(
  db: Kysely<Database>,
  viewer: Viewer,
  filters: ViewFilters,
): Promise<{ count: number; unread: number }> {
  const row = await scoped(db, viewer, filters)
    .select((eb) => [
      eb.fn.countAll().as('count'),
      eb.fn.sum(eb.case().when(unreadBy(viewer.id)(eb)).then(1).else(0).end()).as('unread'),
    ])
    .executeTakeFirstOrThrow();
  return { count: Number(row.count), unread: Number(row.unread ?? 0) };
}

/** One page of a view, newest activity first; `after` is where the previous page ended. */
export async function listView(
  db: Kysely<Database>,
  viewer: Viewer,
  filters: ViewFilters,
  page: { readonly limit: number; readonly after?: PageCursor | undefined },
): Promise<{ readonly items: ViewCase[]; readonly last: PageCursor | null }> {
  let query = scoped(db, viewer, filters)
    .innerJoin('customers', 'customers.id', 'conversations.customer_id')
    .selectAll('conversations')
    .select((eb) => [
      'customers.display_name',
      eb.case().when(unreadBy(viewer.id)(eb)).then(1).else(0).end().as('unread'),
    ]);
  const after = page.after;
  if (after)
    query = query.where((eb) =>
      eb.or([
        eb('conversations.last_interaction_at', '<', after.at),
        eb.and([
          eb('conversations.last_interaction_at', '=', after.at),
          eb('conversations.id', '<', after.id),
        ]),
      ]),
    );
  const rows = await query
    .orderBy('conversations.last_interaction_at', 'desc')
    .orderBy('conversations.id', 'desc')
    .limit(page.limit + 1)
    .execute();
  const shown = rows.slice(0, page.limit);
  const ids = shown.map((r) => r.id);
  const tags =
    ids.length === 0
      ? []
      : await db
          .selectFrom('conversation_tags')
          .selectAll()
          .where('conversation_id', 'in', ids)
          .orderBy('tag')
          .execute();
  const tagsById = new Map<number, string[]>();
  for (const t of tags)
    tagsById.set(t.conversation_id, [...(tagsById.get(t.conversation_id) ?? []), t.tag]);
  const items = shown.map((row): ViewCase => ({
    conversationId: row.id,
    customerId: row.customer_id,
    customerName: row.display_name,
    subject: row.subject,
    status: row.status as Status,
    priority: row.priority as Priority,
    channel: row.origin_channel,
    tags: tagsById.get(row.id) ?? [],
    ownerId: row.owner_id,
    teamId: row.team_id,
    lastInteractionAt: new Date(Number(row.last_interaction_at)).toISOString(),
    unread: Number(row.unread) === 1,
  }));
  const end = shown[shown.length - 1];
  const last =
    rows.length > page.limit && end ? { at: Number(end.last_interaction_at), id: end.id } : null;
  return { items, last };
}

function toSavedView(row: SavedViewRow): SavedView {
  return {
    id: row.id,
    advisorId: Number(row.advisor_id),
    name: row.name,
    filters: JSON.parse(row.filters) as ViewFilters,
    sharedTeamId: row.shared_team_id === null ? null : Number(row.shared_team_id),
  };
}

/** The saved views the viewer may use: their own, and those shared with their team. */
export async function listSavedViews(db: Kysely<Database>, viewer: Viewer): Promise<SavedView[]> {
  const rows = await db
    .selectFrom('saved_views')
    .selectAll()
    .where((eb) =>
      viewer.teamId === null
        ? eb('advisor_id', '=', viewer.id)
        : eb.or([eb('advisor_id', '=', viewer.id), eb('shared_team_id', '=', viewer.teamId)]),
    )
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.map(toSavedView);
}

/** A saved view the viewer may use; any other is NotFound, like one that does not exist. */
export async function usableSavedView(
  db: Kysely<Database>,
  viewer: Viewer,
  id: number,
): Promise<SavedView> {
  const found = (await listSavedViews(db, viewer)).find((v) => v.id === id);
  if (!found) throw new NotFound('saved view');
  return found;
}

/** Every view of the viewer's desk, each with its count and unread count. */
export async function summariseViews(db: Kysely<Database>, viewer: Viewer): Promise<ViewSummary[]> {
  const builtIn = builtInViews.flatMap((view) => {
    const filters = builtInFilters(view, viewer);
    return filters
      ? [
          {
            key: view,
            name: builtInNames[view],
            filters,
            savedViewId: null,
            own: true,
            sharedTeamId: null,
          },
        ]
      : [];
  });
  const saved = (await listSavedViews(db, viewer)).map((v) => ({
    key: `saved:${v.id}`,
    name: v.name,
    filters: v.filters,
    savedViewId: v.id,
    own: v.advisorId === viewer.id,
    sharedTeamId: v.sharedTeamId,
  }));
  return Promise.all(
    [...builtIn, ...saved].map(async (view) => ({
      ...view,
      ...(await countView(db, viewer, view.filters)),
    })),
  );
}

export interface NewSavedView {
  readonly name: string;
  readonly filters: ViewFilters;
  readonly sharedTeamId?: number | null | undefined;
}

const leads: readonly string[] = ['supervisor', 'admin'];

/**
 * Saves a view for the advisor: a name of their own (not blank, not one they already use), filters
 * naming real teams and advisors, shared with the advisor's own team only (a supervisor or admin may
 * share with any team).
 */
export async function createSavedView(
  unit: Unit,
  input: NewSavedView,
  viewer: Viewer,
): Promise<SavedView> {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name.length === 0) throw new Invalid('name', 'must not be blank');
  const filters = cleanFilters(input.filters);
  const owner = typeof filters.ownerId === 'number' ? filters.ownerId : undefined;
  await checkReferences(unit.db, { teamId: filters.teamId, ownerId: owner }).catch(
    (error: unknown) => {
      // The shared check names `teamId`/`ownerId`; here they sit inside `filters`.
      if (error instanceof Invalid)
        throw new Invalid(
          `filters.${error.problems[0]?.field ?? 'filters'}`,
          error.problems[0]?.reason ?? 'is not valid',
        );
      throw error;
    },
  );
  const shared = input.sharedTeamId ?? null;
  if (shared !== null) {
    const team = await unit.db
      .selectFrom('teams')
      .select('id')
      .where('id', '=', shared)
      .executeTakeFirst();
    if (!team) throw new Invalid('sharedTeamId', 'no such team');
    if (!leads.includes(viewer.role) && shared !== viewer.teamId)
      throw new Invalid('sharedTeamId', 'you can share a view only with your own team');
  }
  const held = await unit.db
    .selectFrom('saved_views')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('advisor_id', '=', viewer.id)
    .executeTakeFirstOrThrow();
  if (Number(held.n) >= maxSavedViews)
    throw new Invalid('name', `you already keep ${maxSavedViews} saved views: delete one first`);
  const row = await unlessDuplicate(
    unit.db
      .insertInto('saved_views')
      .values({
        advisor_id: viewer.id,
        name,
        filters: JSON.stringify(filters),
        shared_team_id: shared,
        created_at: unit.now,
        updated_at: unit.now,
      })
      .returningAll()
      .executeTakeFirstOrThrow(),
    `you already have a view named "${name}"`,
  );
  return toSavedView(row);
}

/** A view's filters without empty values, the tag lower-cased as tags are stored. */
function cleanFilters(filters: ViewFilters): ViewFilters {
  const tag = filters.tag?.trim().toLowerCase();
  return {
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.channel ? { channel: filters.channel } : {}),
    ...(filters.teamId !== undefined ? { teamId: filters.teamId } : {}),
    ...(filters.ownerId !== undefined ? { ownerId: filters.ownerId } : {}),
    ...(tag ? { tag } : {}),
    ...(filters.priority ? { priority: filters.priority } : {}),
  };
}

/** Deletes one of the viewer's own saved views; someone else's is NotFound. */
export async function deleteSavedView(unit: Unit, id: number, viewer: Viewer): Promise<void> {
  const gone = await unit.db
    .deleteFrom('saved_views')
    .where('id', '=', id)
    .where('advisor_id', '=', viewer.id)
    .executeTakeFirst();
  if (Number(gone.numDeletedRows) === 0) throw new NotFound('saved view');
}
