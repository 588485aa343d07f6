import type { Channel } from './channels.ts';
import type { Customer } from './customers.ts';

/** Where an interaction travels: a customer's channel, or `internal` for notes that never leave. */
export type InteractionChannel = Channel | 'internal';
export type Status = 'open' | 'pending_customer' | 'pending_us' | 'resolved' | 'closed';
export type Priority = 'low' | 'normal' | 'high' | 'urgent';
export type InteractionKind =
  'email' | 'chat_message' | 'call' | 'sms' | 'shop_visit' | 'social_post' | 'social_dm' | 'note';

/** A case as the API shows it. */
export interface Conversation {
  readonly id: number;
  readonly customerId: number;
  readonly subject: string;
  readonly status: Status;
  readonly ownerId: number | null;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly priority: Priority;
  readonly originChannel: InteractionChannel;
  readonly tags: string[];
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly lastInteractionAt: string;
  readonly resolvedAt: string | null;
  /** Set only while a snooze is in force: the time has not come and the customer has not written since. */
  readonly snoozedUntil: string | null;
}

export type Direction = 'inbound' | 'outbound' | 'internal';

/**
 * Delivery of an interaction. Outbound: queued (waiting for its channel) → sending → sent →
 * delivered → read, or failed with the provider's reason. Inbound is `received`; a note is `none`.
 */
export type DeliveryState =
  'received' | 'queued' | 'sending' | 'sent' | 'delivered' | 'read' | 'failed' | 'none';

/** One step of an outbound interaction's delivery, as its history shows it. */
export interface DeliveryEvent {
  readonly state: DeliveryState;
  readonly reason: string | null;
  readonly provider: string | null;
  readonly at: string;
}

export interface Attachment {
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly url?: string | undefined;
  /** The stored file (its SHA-256), for files kept by Rapport (email attachments, uploads). */
  readonly id?: string | undefined;
  /** An image the message shows in its body (`cid:`), not one attached for download. */
  readonly inline?: boolean | undefined;
  readonly contentId?: string | undefined;
  /** Where those who may see the case download it: always as a download, never shown as a page. */
  readonly href?: string | undefined;
}

/** What an email carried beyond its text, for the advisor to judge it by. */
export interface EmailDetails {
  readonly messageId: string;
  /** The message's own subject. */
  readonly subject: string;
  /** Its Reply-To, when it names another address than its From. */
  readonly replyTo: string | null;
  readonly replyToDiffers: boolean;
  /** DMARC per the receiving server: `fail` means the sender is unverified (never merged). */
  readonly authentication: 'pass' | 'fail' | 'none';
  /** The HTML had remote images, blocked until the advisor allows them. */
  readonly remoteImages: boolean;
  /** Why the message could not be read (its raw source is kept), or null. */
  readonly unreadable: string | null;
  /** The raw message as it arrived, for download. */
  readonly rawUrl: string;
  /** Why it counts as a machine's mail (auto-reply, bounce, list), or null. */
  readonly automatedReason: string | null;
  /** Another customer's case it quoted (its token or number), never joined: for the advisor to judge. */
  readonly mentionsCase: number | null;
  /** Attachments left out for their size. */
  readonly refused: readonly {
    readonly name: string;
    readonly size: number;
    readonly reason: string;
  }[];
}

/** One message, call, visit or post as the API shows it. */
export interface Interaction {
  readonly id: number;
  readonly conversationId: number;
  readonly customerId: number;
  readonly channel: InteractionChannel;
  readonly kind: InteractionKind;
  readonly direction: Direction;
  readonly author: { readonly type: string; readonly id: number | null };
  readonly text: string;
  readonly html: string | null;
  readonly attachments: Attachment[];
  readonly provider: string | null;
  readonly providerId: string | null;
  readonly private: boolean;
  readonly deliveryState: DeliveryState;
  /** Why a send failed, in the provider's words (null unless failed). */
  readonly deliveryReason: string | null;
  /** When the provider took it: the moment it counts as an answer. */
  readonly sentAt: string | null;
  /** Sent by a machine (an auto-reply, a bounce, our own echo): never routed, never answered. */
  readonly automated: boolean;
  readonly createdAt: string;
  /** The channel account it came in on or went out on. */
  readonly accountId: number | null;
  /** The sender's and the recipient's address on the channel (mailbox, E.164 number, handle…). */
  readonly from: string | null;
  readonly to: string | null;
  readonly cc: string[];
  /** The provider's thread key (an email's Message-ID chain, a chat session, a call). */
  readonly threadId: string | null;
  /** A message's own subject (email), else null. */
  readonly subject: string | null;
  /** For an email: its headers' findings and its raw source. */
  readonly email: EmailDetails | null;
  /** For a call: its row of `calls` and the advisor's wrap-up (read by `toInteractions`). */
  readonly call?: CallDetails | undefined;
}

/**
 * What a call came to: the one list for the advisor's wrap-up and for a callback call's attempt
 * (read from Twilio's status callbacks), each outcome with its label and where it is used. The API
 * checks against these, the desk shows these labels.
 */
const callOutcomeTable = {
  resolved: { label: 'Resolved', wrapUp: true, attempt: false },
  answered: { label: 'Answered', wrapUp: false, attempt: true },
  'follow-up': { label: 'Follow-up needed', wrapUp: true, attempt: false },
  'callback-promised': { label: 'Callback promised', wrapUp: true, attempt: false },
  busy: { label: 'Busy or declined', wrapUp: false, attempt: true },
  'no-answer': { label: 'No answer', wrapUp: true, attempt: true },
  machine: { label: 'Answering machine', wrapUp: false, attempt: true },
  'wrong-number': { label: 'Wrong number', wrapUp: true, attempt: true },
  other: { label: 'Other', wrapUp: true, attempt: false },
} as const satisfies Record<string, { label: string; wrapUp: boolean; attempt: boolean }>;

export type CallOutcome = keyof typeof callOutcomeTable;
type OutcomeUsedIn<K extends 'wrapUp' | 'attempt'> = {
  [O in CallOutcome]: (typeof callOutcomeTable)[O][K] extends true ? O : never;
}[CallOutcome];
/** What an advisor may say a call came to, in the wrap-up. */
export type WrapUpOutcome = OutcomeUsedIn<'wrapUp'>;
/** What became of one try of a callback call. */
export type CallbackAttemptOutcome = OutcomeUsedIn<'attempt'>;

export const callOutcomes = Object.keys(callOutcomeTable) as CallOutcome[];
export const wrapUpOutcomes = callOutcomes.filter(
  (o) => callOutcomeTable[o].wrapUp,
) as WrapUpOutcome[];
export const callbackAttemptOutcomes = callOutcomes.filter(
  (o) => callOutcomeTable[o].attempt,
) as CallbackAttemptOutcome[];
/** Each outcome's words on the desk. */
export const callOutcomeLabels = Object.fromEntries(
  callOutcomes.map((o) => [o, callOutcomeTable[o].label]),
) as Readonly<Record<CallOutcome, string>>;

/** A call as the timeline shows it: how long, who took it, the recording, and its wrap-up. */
export interface CallDetails {
  readonly callId: number;
  readonly direction: 'inbound' | 'outbound';
  /** queued, ringing, in-progress, completed, busy, no-answer, failed, canceled. */
  readonly state: string;
  readonly advisorId: number | null;
  readonly startedAt: string;
  readonly answeredAt: string | null;
  readonly endedAt: string | null;
  readonly durationSeconds: number | null;
  /**
   * Where the desk plays the recording (or voicemail): our own authenticated route once it is
   * fetched from the provider and stored; null without one, or while it is still being fetched.
   */
  readonly recordingUrl: string | null;
  /** null: no recording; pending: being fetched; stored; failed: it could not be fetched. */
  readonly recordingState: 'pending' | 'stored' | 'failed' | null;
  /** An inbound call the caller hung up on while waiting: the desk offers to call them back. */
  readonly missed: boolean;
  /** The callback made of this missed call, when one was. */
  readonly callbackItemId: number | null;
  readonly wrapUp: {
    readonly outcome: WrapUpOutcome;
    readonly notes: string;
    readonly hard: boolean;
    readonly advisorId: number;
    readonly at: string;
  } | null;
}

export interface TimelinePage {
  readonly items: Interaction[];
  readonly nextCursor: string | null;
}

/** One line of the advisor's work list: a case, and whether (and until when) its customer waits. */
export interface WaitingCase {
  readonly conversationId: number;
  readonly customerId: number;
  readonly customerName: string;
  readonly subject: string;
  readonly status: Status;
  readonly priority: Priority;
  /** Where the customer waits now, else where the case began. */
  readonly channel: string;
  readonly tags: string[];
  readonly ownerId: number | null;
  readonly teamId: number | null;
  readonly waitingSince: string | null;
  /** When the channel's service-level threshold runs out for this wait. */
  readonly deadline: string | null;
  readonly lastInteractionAt: string;
  /** Set while the case is snoozed (only "mine" lists snoozed cases). */
  readonly snoozedUntil: string | null;
}

/** One case a search found: who it is for, what it is about, where it stands, and the message that matched. */
export interface CaseHit {
  readonly conversationId: number;
  readonly customerId: number;
  readonly customerName: string;
  readonly subject: string;
  readonly status: Status;
  /** The channel of the message that matched. */
  readonly channel: InteractionChannel;
  readonly lastInteractionAt: string;
  /** The newest message of the case that holds every word searched for. */
  readonly match: Interaction;
}

/** A page of search results: customers (first page only) and matching cases, newest match first. */
export interface SearchPage {
  readonly customers: Customer[];
  readonly cases: CaseHit[];
  /** The matching messages of `cases`, one per case, in the same order. */
  readonly interactions: Interaction[];
  readonly nextCursor: string | null;
}
