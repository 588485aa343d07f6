/** One change to the domain, as stored in the audit trail and published on the bus. */
export interface DomainEvent {
  readonly id: number;
  readonly type: string;
  readonly actor: Actor;
  readonly entity: { readonly type: string; readonly id: number };
  /** Who may see the event: the records it touches. */
  readonly scope: EventScope;
  readonly before: unknown;
  readonly after: unknown;
  readonly at: number;
}

export interface EventScope {
  readonly customerId?: number | null;
  readonly conversationId?: number | null;
  readonly teamId?: number | null;
  readonly shopId?: number | null;
  readonly ownerId?: number | null;
}

/** Who made a change: a signed-in person, an integration token, a channel, or the system itself. */
export interface Actor {
  readonly type: 'advisor' | 'customer' | 'channel' | 'system';
  readonly id: number | null;
}

export const systemActor: Actor = { type: 'system', id: null };

/** What a domain function hands to `unit.record`; the id and time are filled in on insert. */
export interface NewEvent {
  readonly type: string;
  readonly actor: Actor;
  readonly entity: { readonly type: string; readonly id: number };
  readonly scope?: EventScope;
  readonly before?: unknown;
  readonly after?: unknown;
}
