import type { ExpressionBuilder, Expression, SqlBool } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import { Forbidden } from '../platform/errors.ts';

import type { Role } from '../api-types/people.ts';
import type { TokenScope } from './advisors.ts';

export const roles = [
  'advisor',
  'shop_advisor',
  'supervisor',
  'admin',
  'integration',
] as const satisfies readonly Role[];
export type { Role };

/** The signed-in person (or integration) a request acts for. */
export interface Viewer {
  readonly id: number;
  readonly role: Role;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly name: string;
  /** For a caller with an API token: the token's id and what it may do (absent for a session). */
  readonly tokenId?: number;
  readonly scopes?: readonly TokenScope[];
}

/** Roles that see every conversation. */
const seesEverything: readonly Role[] = ['supervisor', 'admin', 'integration'];

/** Throws Forbidden unless the viewer has one of the roles; checked before any record is read. */
export function requireRole(viewer: Viewer, allowed: readonly Role[]): void {
  if (!allowed.includes(viewer.role)) throw new Forbidden();
}

export interface ConversationScopeFields {
  readonly team_id: number | null;
  readonly shop_id: number | null;
  readonly owner_id: number | null;
}

/** Whether the viewer may see a conversation: their team's, their shop's, or their own. */
export function canSeeConversation(viewer: Viewer, conversation: ConversationScopeFields): boolean {
  if (seesEverything.includes(viewer.role)) return true;
  if (conversation.owner_id === viewer.id) return true;
  if (viewer.role === 'advisor')
    return viewer.teamId !== null && conversation.team_id === viewer.teamId;
  if (viewer.role === 'shop_advisor')
    return viewer.shopId !== null && conversation.shop_id === viewer.shopId;
  return false;
}

/** The same rule as a SQL condition on the `conversations` table, for lists and searches. */
export function conversationScope(viewer: Viewer) {
  return (eb: ExpressionBuilder<Database, 'conversations'>): Expression<SqlBool> => {
    if (seesEverything.includes(viewer.role)) return eb.lit(true);
    const own = eb('conversations.owner_id', '=', viewer.id);
    if (viewer.role === 'advisor' && viewer.teamId !== null)
      return eb.or([own, eb('conversations.team_id', '=', viewer.teamId)]);
    if (viewer.role === 'shop_advisor' && viewer.shopId !== null)
      return eb.or([own, eb('conversations.shop_id', '=', viewer.shopId)]);
    return own;
  };
}

/** Whether a published event may reach this viewer's screen. */
export function canSeeEvent(
  viewer: Viewer,
  scope: {
    readonly teamId?: number | null;
    readonly shopId?: number | null;
    readonly ownerId?: number | null;
    readonly conversationId?: number | null;
  },
): boolean {
  if (seesEverything.includes(viewer.role)) return true;
  // Events about a customer record alone (no case) are for supervisors; cases carry their team, shop and owner.
  if (
    scope.conversationId == null &&
    scope.ownerId == null &&
    scope.teamId == null &&
    scope.shopId == null
  )
    return false;
  return canSeeConversation(viewer, {
    team_id: scope.teamId ?? null,
    shop_id: scope.shopId ?? null,
    owner_id: scope.ownerId ?? null,
  });
}

/**
 * Which customers the viewer may see, as a SQL condition on `customers`: those with at least one
 * case the viewer may see, or with no case at all; supervisors and admins see every customer.
 */
export function customerScope(viewer: Viewer) {
  return (eb: ExpressionBuilder<Database, 'customers'>): Expression<SqlBool> => {
    if (seesEverything.includes(viewer.role)) return eb.lit(true);
    // A merged customer's cases moved to the one it was merged into: it is seen like that one.
    const holder = eb.fn.coalesce('customers.merged_into_id', 'customers.id');
    const cases = () =>
      eb
        .selectFrom('conversations')
        .select('conversations.id')
        .where('conversations.customer_id', '=', holder);
    const visible = conversationScope(viewer);
    return eb.or([eb.not(eb.exists(cases())), eb.exists(cases().where((inner) => visible(inner)))]);
  };
}
