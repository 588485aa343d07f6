/**
 * A case moved by a supervisor (from the wall) takes its queued work with it: given to an advisor,
 * its waiting or offered item becomes theirs (as "Take this case" does); given to a team, a waiting
 * item joins that team's queue and an offer to someone outside the team is withdrawn.
 */
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { returnToQueue } from './offers.ts';
import { scopeOf, takeWork } from './work-items.ts';

/** The item's skills with its team skill (`team:<id>`) replaced by the new team's. */
export function skillsForTeam(skills: readonly string[], teamId: number): string[] {
  return [...skills.filter((s) => !s.startsWith('team:')), `team:${teamId}`];
}

/**
 * Moves the case's queued work (waiting or offered) after a reassignment: to `ownerId` when an
 * advisor was chosen, else into `teamId`'s queue. Work an advisor already holds stays with them.
 */
export async function moveQueuedWork(
  unit: Unit,
  conversationId: number,
  to: { readonly ownerId?: number | null; readonly teamId?: number },
  actor: Actor,
): Promise<void> {
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
}
