/** Where a repair stands, in the order it usually goes. */
export type RepairStatus =
  | 'draft'
  | 'received'
  | 'diagnosing'
  | 'waiting-for-parts'
  | 'repaired'
  | 'ready-for-pickup'
  | 'collected';

/** The estimate's state: none yet, proposed to the customer, or their decision. */
export type EstimateState = 'none' | 'proposed' | 'accepted' | 'declined';

/** A channel the customer may ask to be told on. */
export type RepairNoticeChannel = 'sms' | 'email';

/** The price proposed for a repair, in minor units of its currency (8900 EUR = 89.00 €). */
export interface RepairEstimate {
  readonly amountCents: number;
  readonly currency: string;
  readonly note: string;
  readonly state: EstimateState;
  /** When the customer accepted or declined it. */
  readonly decidedAt: string | null;
}

/** One step of a repair: the status it entered, when, and how the customer was told. */
export interface RepairStep {
  readonly id: number;
  readonly status: RepairStatus;
  readonly at: string;
  /** The shop's wall-clock time of the step with its zone, e.g. "2026-12-01 14:05 CET". */
  readonly localTime: string;
  readonly advisorId: number | null;
  readonly note: string;
  /** The message that told the customer, or null for a step that tells nobody. */
  readonly interactionId: number | null;
  readonly toldOn: RepairNoticeChannel | null;
}

export interface RepairPhoto {
  readonly id: number;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  /** Where the desk fetches it (signed-in staff of the shop only). */
  readonly url: string;
}

/** A repair as the desk shows it. */
export interface Repair {
  readonly id: number;
  readonly shopId: number;
  readonly shopName: string;
  readonly timeZone: string;
  readonly customerId: number;
  readonly customerName: string;
  readonly conversationId: number | null;
  readonly ticketId: number | null;
  readonly advisorId: number | null;
  readonly device: string;
  readonly serialNumber: string;
  readonly fault: string;
  readonly condition: string;
  readonly accessories: string[];
  readonly status: RepairStatus;
  /** The statuses it may go to now (the estimate may hold some back), in the order the desk offers them. */
  readonly nextStatuses: RepairStatus[];
  readonly estimate: RepairEstimate | null;
  readonly dueAt: string | null;
  /** The due time on the shop's clock with its zone. */
  readonly dueLocal: string | null;
  readonly notifyChannel: RepairNoticeChannel | null;
  readonly photos: RepairPhoto[];
  readonly steps: RepairStep[];
  /** The customer's status page (signed link, no login). */
  readonly statusUrl: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A repair in the shop's list. */
export interface RepairSummary {
  readonly id: number;
  readonly customerName: string;
  readonly device: string;
  readonly status: RepairStatus;
  readonly estimateState: EstimateState;
  readonly dueAt: string | null;
  readonly dueLocal: string | null;
  readonly updatedAt: string;
}

/** What the customer's status page shows: no names of staff, no internal notes. */
export interface RepairStatusView {
  readonly device: string;
  readonly serialNumber: string;
  readonly shop: {
    readonly name: string;
    readonly address: string;
    readonly city: string;
    readonly timeZone: string;
  };
  readonly status: RepairStatus;
  readonly steps: ReadonlyArray<{
    readonly status: RepairStatus;
    readonly at: string;
    readonly localTime: string;
  }>;
  /** Null until the shop proposes one. */
  readonly estimate: (RepairEstimate & { readonly decidedLocal: string | null }) | null;
  readonly dueLocal: string | null;
}

/** The customer's answer to a proposed estimate. */
export type EstimateDecision = 'accept' | 'decline';
