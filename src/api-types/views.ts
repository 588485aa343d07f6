import type { InteractionChannel, Priority, Status } from './conversations.ts';

/** The views every advisor has; "waiting" is the desk's list of customers waiting for an answer. */
export type BuiltInView = 'all' | 'team' | 'unassigned' | 'mine' | 'resolved';

/**
 * A view's filters. `status` "active" means open or pending (the default); `ownerId` "me" is the
 * viewer, "none" a case nobody owns.
 */
export interface ViewFilters {
  readonly status?: Status | 'active' | 'done' | undefined;
  readonly channel?: InteractionChannel | undefined;
  readonly teamId?: number | undefined;
  readonly ownerId?: number | 'me' | 'none' | undefined;
  readonly tag?: string | undefined;
  readonly priority?: Priority | undefined;
}

/** One view on the desk with its count of cases and of those unread by the viewer. */
export interface ViewSummary {
  /** A built-in view's name, or `saved:<id>`. */
  readonly key: string;
  readonly name: string;
  readonly filters: ViewFilters;
  readonly count: number;
  readonly unread: number;
  /** For a saved view: its id, whether the viewer made it, and the team it is shared with. */
  readonly savedViewId: number | null;
  readonly own: boolean;
  readonly sharedTeamId: number | null;
}

/** A case as a view lists it: the work list's row plus whether the viewer has read it. */
export interface ViewCase {
  readonly conversationId: number;
  readonly customerId: number;
  readonly customerName: string;
  readonly subject: string;
  readonly status: Status;
  readonly priority: Priority;
  readonly channel: string;
  readonly tags: string[];
  readonly ownerId: number | null;
  readonly teamId: number | null;
  readonly lastInteractionAt: string;
  readonly unread: boolean;
}

/** A page of a view, newest activity first; `nextCursor` asks for the next page. */
export interface ViewPage {
  readonly items: ViewCase[];
  readonly nextCursor: string | null;
}

/** A saved view as stored. */
export interface SavedView {
  readonly id: number;
  readonly advisorId: number;
  readonly name: string;
  readonly filters: ViewFilters;
  readonly sharedTeamId: number | null;
}
