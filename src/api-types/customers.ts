export type ConsentChannel = 'email' | 'sms' | 'phone' | 'chat' | 'social' | 'marketing';
/** Per channel: true (agreed), false (said no) or null (unknown: not asked, not used). */
export type Consent = Record<ConsentChannel, boolean | null>;

export type IdentityKind = 'email' | 'phone' | 'social' | 'external';

/** One way to recognise a customer; `network` is '' except for social handles and external systems. */
export interface Identity {
  readonly kind: IdentityKind;
  readonly network: string;
  readonly value: string;
}

/** A customer as the API shows it. */
export interface Customer {
  readonly id: number;
  readonly displayName: string;
  readonly language: string | null;
  readonly consent: Consent;
  readonly ownerId: number | null;
  readonly lastAdvisorId: number | null;
  readonly mergedIntoId: number | null;
  readonly erased: boolean;
  readonly identities: Identity[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** Counts of what a merge moves (or moved) from one customer record to the other. */
export interface MergeMoves {
  readonly cases: number;
  readonly interactions: number;
  readonly workItems: number;
  readonly identities: number;
}

/** What merging `source` into `target` would move and keep, shown before anyone confirms. */
export interface MergePreview {
  readonly target: Customer;
  readonly source: Customer;
  readonly moves: MergeMoves;
  /** The identities the kept record ends with: both records' together. */
  readonly identities: Identity[];
  /** The record whose name, and whose owner, are kept unless the user chooses: the older one. */
  readonly defaults: { readonly nameOf: number; readonly ownerOf: number };
  /** How many days a supervisor may undo the merge. */
  readonly undoDays: number;
}

/** One merge as it was recorded: who, when, what moved, and until when it can be undone. */
export interface CustomerMerge {
  readonly id: number;
  readonly targetId: number;
  readonly sourceId: number;
  readonly sourceName: string;
  readonly mergedBy: number | null;
  readonly mergedAt: string;
  readonly moved: MergeMoves;
  readonly undoneAt: string | null;
  /** Until when a supervisor may undo it; null once undone or when the window has passed. */
  readonly undoableUntil: string | null;
}
