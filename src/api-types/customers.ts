export type ConsentChannel = 'email' | 'sms' | 'phone' | 'chat' | 'social' | 'marketing';
export type Consent = Record<ConsentChannel, boolean>;

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
