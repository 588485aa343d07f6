/**
 * A case moved by a supervisor (from the wall) takes its queued work with it: given to an advisor,
 * its waiting or offered item becomes theirs (as "Take this case" does); given to a team, a waiting
 * item joins that team's queue and an offer to someone outside the team is withdrawn. Written work
 * already in someone's hands moves too; a live call or chat stays with whoever is in it.
 */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { RetryableConflict } from '../platform/errors.ts';
import { returnToQueue } from './offers.ts';
import { scopeOf, takeWork } from './work-items.ts';

/** The item's skills with its team skill (`team:<id>`) replaced by the new team's. */
export function skillsForTeam(skills: readonly string[], teamId: number): string[] {
  return [...skills.filter((s) => !s.startsWith('team:')), `team:${teamId}`];
}

/**
 * Moves the case's queued work (waiting or offered) after a reassignment: to `ownerId` when an
 * advisor was chosen, else into `teamId`'s queue.
 */
export async function moveQueuedWork(
  unit: Unit,
  conversationId: number,
  to: { readonly ownerId?: number | null; readonly teamId?: number },
  actor: Actor,
): Promise<{ readonly staysWith: number | null }> {
  const items = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', 'in', ['waiting', 'offered'])
    .execute();
  if (to.teamId !== undefined) {
    const teamId = to.teamId;
    for (const item of items) {
      if (item.team_id === teamId) continue;
      const skills = skillsForTeam(JSON.parse(item.skills) as string[], teamId);
      await unit.db
        .updateTable('work_items')
        .set({ team_id: teamId, skills: JSON.stringify(skills), updated_at: unit.now })
        .where('id', '=', item.id)
        .execute();
      if (item.status !== 'offered' || item.advisor_id === null || to.ownerId) continue;
      const holder = await unit.db
        .selectFrom('advisors')
        .select('team_id')
        .where('id', '=', item.advisor_id)
        .executeTakeFirst();
      if (holder?.team_id === teamId) continue;
      // Offered to someone outside the new team: the offer is withdrawn, the item waits for the team.
      if (!(await returnToQueue(unit, item))) continue;
      await unit.record({
        type: 'work-item.handed-back',
        actor,
        entity: { type: 'work_item', id: item.id },
        scope: { ...scopeOf(item), teamId },
      });
    }
  }
  if (typeof to.ownerId === 'number') await takeWork(unit, conversationId, to.ownerId, actor);
  await moveHeldWriting(unit, conversationId, to, actor);
  // What did not move: a live call or chat, still with the advisor in it.
  const live = await unit.db
    .selectFrom('work_items')
    .select('advisor_id')
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'assigned')
    .executeTakeFirst();
  const staysWith = live?.advisor_id ?? null;
  return { staysWith: staysWith !== null && staysWith !== to.ownerId ? staysWith : null };
}

/**
 * Written work someone already holds (an email, SMS or message in hand, not a live call or chat)
 * follows the case too: to the advisor chosen, or, given to a team alone, back into that team's
 * queue. A live conversation stays with whoever is in it until it ends.
 */
async function moveHeldWriting(
  unit: Unit,
  conversationId: number,
  to: { readonly ownerId?: number | null; readonly teamId?: number },
  actor: Actor,
): Promise<void> {
  const ownerId = typeof to.ownerId === 'number' ? to.ownerId : null;
  if (ownerId === null && to.teamId === undefined) return;
  const held = await unit.db
    .selectFrom('work_items')
    .selectAll()
    .where('conversation_id', '=', conversationId)
    .where('status', '=', 'assigned')
    .where('kind', '=', 'message')
    .execute();
  for (const item of held) {
    if (ownerId !== null && item.advisor_id === ownerId) continue;
    const teamId = to.teamId ?? item.team_id;
    const skills =
      to.teamId === undefined
        ? item.skills
        : JSON.stringify(skillsForTeam(JSON.parse(item.skills) as string[], to.teamId));
    const result = await unit.db
      .updateTable('work_items')
      .set(
        ownerId !== null
          ? {
              advisor_id: ownerId,
              accepted_at: unit.now,
              team_id: teamId,
              skills,
              updated_at: unit.now,
            }
          : {
              status: 'waiting',
              advisor_id: null,
              offered_at: null,
              offer_expires_at: null,
              accepted_at: null,
              preferred_advisor_id: null,
              affinity_until: null,
              team_id: teamId,
              skills,
              updated_at: unit.now,
            },
      )
      .where('id', '=', item.id)
      .where('status', '=', 'assigned')
      .where('advisor_id', '=', item.advisor_id ?? -1)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1)
      throw new RetryableConflict('work item moved meanwhile');
    await unit.record({
      type: ownerId !== null ? 'work-item.accepted' : 'work-item.handed-back',
      actor,
      entity: { type: 'work_item', id: item.id },
      scope: { ...scopeOf(item), teamId, ...(ownerId !== null ? { ownerId } : {}) },
      before: { status: 'assigned', advisorId: item.advisor_id },
      after: { status: ownerId !== null ? 'assigned' : 'waiting', advisorId: ownerId, moved: true },
    });
  }
}
