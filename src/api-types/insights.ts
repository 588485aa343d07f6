import type { Channel } from './channels.ts';
import type { DeclineInForce, ServiceLevelSetting, WaitingWork } from './routing.ts';

/** One channel on the supervisor's wall. */
export interface ChannelFigures {
  readonly channel: Channel;
  readonly policy: ServiceLevelSetting;
  /** Customers waiting for an answer now. */
  readonly waiting: number;
  /** Of those, how many are past the channel's threshold. */
  readonly overThreshold: number;
  readonly longestWaitMs: number | null;
  /** Share of today's waits answered within the threshold; null before any wait could be judged. */
  readonly serviceLevel: number | null;
  readonly met: number;
  readonly judged: number;
  /** Average speed of answer of today's answered waits. */
  readonly averageSpeedOfAnswerMs: number | null;
  readonly answered: number;
  /** Waits that started in each hour since the start of the day. */
  readonly arrivalsByHour: number[];
}

/** An email account's mailbox that cannot be read: its mail waits on the server meanwhile. */
export interface DisconnectedMailbox {
  readonly accountId: number;
  readonly address: string;
  /** When it stopped answering. */
  readonly since: string;
  readonly reason: string | null;
}

export interface Wall {
  readonly at: string;
  readonly dayStart: string;
  readonly timeZone: string;
  readonly channels: ChannelFigures[];
  /** Lowest channel service level divided by the highest: 1 means every channel is served alike. */
  readonly parityIndex: number | null;
  readonly lowestChannel: Channel | null;
  readonly highestChannel: Channel | null;
  /** Mailboxes the IMAP poller cannot read now, longest first. */
  readonly disconnectedMailboxes: DisconnectedMailbox[];
  /** Callbacks still to make (waiting or offered) and their real wait, from the caller's arrival. */
  readonly callbacks: CallbacksWaiting;
  /** The first items in line (earliest deadline) and why each still waits. */
  readonly waitingWork?: readonly WaitingWork[];
  /** Declines routing respects now (each advisor's cool-off), latest first. */
  readonly declines?: readonly DeclineInForce[];
}

/** The callbacks waiting now: how many, the longest real wait, the oldest few. */
export interface CallbacksWaiting {
  readonly waiting: number;
  readonly longestWaitMs: number | null;
  readonly oldest: readonly {
    readonly workItemId: number;
    readonly conversationId: number;
    readonly customerName: string;
    readonly waitMs: number;
  }[];
}
