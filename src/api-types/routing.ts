import type { Channel } from './channels.ts';

/** An advisor's presence. Only available and busy advisors receive work. */
export type Presence = 'available' | 'busy' | 'wrap_up' | 'break' | 'offline';

/** A count or a number per channel (capacity, load, thresholds). */
export type ChannelCounts = Record<Channel, number>;

/** An advisor on the supervisor's wall. */
export interface AdvisorStateView {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly presence: Presence;
  /** When the presence last changed; null for someone who never set one. */
  readonly presenceSince: string | null;
  readonly capacity: ChannelCounts;
  /** Items offered or assigned now, per channel. */
  readonly load: ChannelCounts;
  /** Occupancy over the last hour, 0..1. */
  readonly occupancy: number;
  /** Occupancy in each twelfth of the last hour (five-minute steps), oldest first. */
  readonly occupancySeries: number[];
  readonly aboveCap: boolean;
}

export interface AdvisorStates {
  readonly at: string;
  readonly windowMs: number;
  readonly occupancyCap: number;
  readonly advisors: AdvisorStateView[];
}

/** One item an advisor holds now, for the wall's drill-down. */
export interface HeldWork {
  readonly id: number;
  readonly kind: string;
  readonly channel: string;
  readonly status: string;
  readonly conversationId: number;
  readonly customerName: string;
  readonly subject: string;
  readonly since: string;
  readonly deadlineAt: string;
}

export interface QueueFigures {
  readonly channel: Channel;
  readonly waiting: number;
  readonly longestWaitMs: number;
  readonly estimatedWaitMs: number | null;
  readonly freeSlots: number;
  readonly slotsOnShift: number;
  /** When a new caller or chatter would wait longer than the channel's promise. */
  readonly offerCallback: boolean;
  /** Why the first in line (earliest deadline) still waits; null when nobody waits. */
  readonly why?: WaitReason | null;
}

/**
 * Why a waiting item is not with an advisor yet, as routing sees it now: held for the customer's own
 * advisor, nobody with its skill on shift, declined by those who could take it, everyone qualified at
 * capacity or pausing, or being offered in this round.
 */
export interface WaitReason {
  readonly code:
    | 'held_for_advisor'
    | 'nobody_on_shift'
    | 'declined'
    | 'at_capacity'
    | 'pausing'
    | 'being_offered';
  /** When it changes by itself: the hold, the decline's cool-off or the pause ends. */
  readonly until: string | null;
  /** The advisor it is held for, or who declined it. */
  readonly advisorName: string | null;
  /** The team whose skill it needs, when it needs one. */
  readonly teamName: string | null;
}

/** One waiting item and why it waits, for the wall. */
export interface WaitingWork {
  readonly workItemId: number;
  readonly conversationId: number;
  readonly customerName: string;
  readonly channel: Channel;
  readonly waitMs: number;
  readonly why: WaitReason;
}

/** A decline routing respects now: the advisor is not offered this item again until `until`. */
export interface DeclineInForce {
  readonly workItemId: number;
  readonly conversationId: number;
  readonly customerName: string;
  readonly advisorName: string;
  readonly declinedAt: string;
  readonly until: string;
}

/**
 * A channel's promise as the company sets it: answer `targetFraction` of contacts within
 * `thresholdMs`. The same fields as the engine's `ServiceLevelPolicy`, whose defaults it starts from.
 */
export interface ServiceLevelSetting {
  readonly channel: Channel;
  readonly thresholdMs: number;
  readonly targetFraction: number;
  /** False while the channel still uses the built-in default. */
  readonly customised: boolean;
}

/** A date a team does not work: its written-channel clocks stand still all that local day. */
export interface TeamHoliday {
  /** "yyyy-MM-dd" in the calendar's zone. */
  readonly date: string;
  readonly name: string;
}

/**
 * The hours a team answers written contacts (email, SMS, social, web forms) in: their service-level
 * clocks count only these. No hours: the clock runs 24 × 7. Calls and chats always run on the wall clock.
 */
export interface TeamCalendar {
  readonly teamId: number;
  /** IANA zone of the hours and dates; the centre's zone until a team sets its own. */
  readonly timeZone: string;
  readonly hours: ReadonlyArray<{
    readonly weekday: 1 | 2 | 3 | 4 | 5 | 6 | 7;
    readonly opens: string;
    readonly closes: string;
  }>;
  readonly holidays: readonly TeamHoliday[];
  /** False while the team has never saved a calendar. */
  readonly saved: boolean;
}
