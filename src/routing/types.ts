/**
 * Routing's domain types: work items, advisors' routing state, service-level policies.
 * Plain data only, so the same values travel between the database, the engine and the simulator.
 */

import { channels, type Channel } from '../channels/channel.ts';
import type { ChannelCounts, Presence } from '../api-types/routing.ts';

/** The one `Channel` type and list, read by the engine and the simulator from here with their other plain types. */
export type { Channel, ChannelCounts, Presence };
export const CHANNELS: readonly Channel[] = channels;

/** What routing hands to an advisor. */
export type WorkItemKind = 'message' | 'chat' | 'call' | 'callback' | 'shop_ticket' | 'appointment';

/** One piece of work waiting for, or held by, an advisor. All times are epoch milliseconds (UTC). */
export interface WorkItem {
  id: string;
  kind: WorkItemKind;
  channel: Channel;
  customerId: string;
  /** Every skill here must be among the advisor's skills. */
  skills: string[];
  /** When set, the advisor must speak it. */
  language?: string;
  /** Higher is more urgent; breaks ties between equal deadlines. */
  priority: number;
  createdAt: number;
  /** The service-level deadline: the ordering key of every channel. */
  deadlineAt: number;
  /** The case owner or the customer's last advisor (continuity). */
  preferredAdvisorId?: string;
  /** The item is held for its preferred advisor until this time, then falls back to anyone qualified. */
  affinityUntil?: number;
  /** A hard contact earns its advisor recovery time once it is done. */
  hard?: boolean;
  /** Advisors who declined this item and whose cool-off runs: it is not offered to them meanwhile. */
  declinedBy?: readonly string[];
}

/**
 * How busy an advisor has been: a step function of utilisation (0..1) over time, kept with its running
 * integral so occupancy over the last hour is a binary search, not a scan.
 */
export interface OccupancyLedger {
  /** When the ledger began (the advisor logged in); occupancy never looks before it. */
  startedAt: number;
  /** Change points, ascending. */
  at: number[];
  /** Utilisation from at[i] until at[i + 1]. */
  level: number[];
  /** Busy milliseconds accumulated from at[0] up to at[i]. */
  cumulative: number[];
}

/** An advisor as routing sees them. */
export interface AdvisorState {
  id: string;
  presence: Presence;
  skills: string[];
  languages: string[];
  /** Maximum simultaneous items per channel (0 = not on that channel). One call, or a few chats, or several emails. */
  capacity: ChannelCounts;
  /** Items held now, per channel. */
  load: ChannelCounts;
  /**
   * Ordering key among free advisors: with no work, when they last became free (longest idle first);
   * with some work, when they last received an item (least recently served first).
   */
  idleSince: number;
  /** No new work before this time (recovery after a hard contact). */
  recoveryUntil?: number;
  ledger: OccupancyLedger;
}

/**
 * A channel's service-level promise and its routing windows: the one service-level policy type. The
 * company may change the promise per channel (`service-levels.ts` stores it); the windows are the engine's.
 */
export interface ServiceLevelPolicy {
  /** Share of contacts to answer within the threshold, e.g. 0.8. */
  targetFraction: number;
  thresholdMs: number;
  /** How long an item waits for its preferred advisor before anyone qualified may take it. */
  affinityWindowMs: number;
  /** How long an offered item may stay unaccepted before it moves on. */
  offerTimeoutMs: number;
}

/** One service-level policy per channel. */
export type ServiceLevelPolicies = Record<Channel, ServiceLevelPolicy>;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Default promises: voice 80% in 20 s, chat 80% in 60 s, email 90% in 4 h, SMS and social 90% in 1 h,
 * shop 80% in 10 min. Written channels count a team's business hours once it has a calendar (team-calendars.ts).
 */
export const DEFAULT_SERVICE_LEVELS: ServiceLevelPolicies = {
  voice: {
    targetFraction: 0.8,
    thresholdMs: 20 * SECOND,
    affinityWindowMs: 12 * SECOND,
    offerTimeoutMs: 15 * SECOND,
  },
  chat: {
    targetFraction: 0.8,
    thresholdMs: 60 * SECOND,
    affinityWindowMs: 40 * SECOND,
    offerTimeoutMs: 20 * SECOND,
  },
  email: {
    targetFraction: 0.9,
    thresholdMs: 4 * HOUR,
    affinityWindowMs: 2 * HOUR,
    offerTimeoutMs: 5 * MINUTE,
  },
  sms: {
    targetFraction: 0.9,
    thresholdMs: HOUR,
    affinityWindowMs: 30 * MINUTE,
    offerTimeoutMs: 2 * MINUTE,
  },
  social: {
    targetFraction: 0.9,
    thresholdMs: HOUR,
    affinityWindowMs: 30 * MINUTE,
    offerTimeoutMs: 2 * MINUTE,
  },
  shop: {
    targetFraction: 0.8,
    thresholdMs: 10 * MINUTE,
    affinityWindowMs: 5 * MINUTE,
    offerTimeoutMs: MINUTE,
  },
};

/** Rapport's policy, or plain first-come-first-served (no continuity, no wellbeing) for comparison. */
export type RoutingPolicyName = 'rapport' | 'fcfs';

/** Settings of the routing engine. */
export interface RoutingOptions {
  policy: RoutingPolicyName;
  /** Above this occupancy over the window an advisor gets work only when nobody else qualified is free. */
  occupancyCap: number;
  occupancyWindowMs: number;
  /** Recovery after a hard contact. */
  recoveryMs: number;
  /**
   * Blending guard (0 = off): an advisor who takes calls gets a non-voice item early only while more than
   * this many call-taking advisors are free; otherwise the item waits for its release time.
   */
  voiceReserve: number;
  /** A non-voice item is released to everyone once less than this share of its threshold remains. */
  releaseLeadFraction: number;
  serviceLevels: ServiceLevelPolicies;
  /** How long an advisor who declined an item is not offered that same item again. */
  declineCoolOffMs: number;
}

/**
 * Defaults: Rapport's policy, occupancy cap 85% over the last hour, five minutes of recovery, a declined
 * item not offered to the same advisor for ten minutes.
 */
export const DEFAULT_ROUTING_OPTIONS: RoutingOptions = {
  policy: 'rapport',
  occupancyCap: 0.85,
  occupancyWindowMs: HOUR,
  recoveryMs: 5 * MINUTE,
  voiceReserve: 0,
  releaseLeadFraction: 0.5,
  serviceLevels: DEFAULT_SERVICE_LEVELS,
  declineCoolOffMs: 10 * MINUTE,
};

/** Why an item went to an advisor. */
export type AssignmentReason = 'preferred_advisor' | 'longest_idle' | 'over_occupancy_cap';

/** One routing decision: this item is offered to this advisor. */
export interface Assignment {
  itemId: string;
  advisorId: string;
  channel: Channel;
  reason: AssignmentReason;
  at: number;
}

/** What a database transaction loads before deciding: the waiting items and the advisors on shift. */
export interface RoutingSnapshot {
  items: WorkItem[];
  advisors: AdvisorState[];
}
