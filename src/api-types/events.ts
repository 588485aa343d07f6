/** One change to the domain as the live WebSocket (/api/live) delivers it: an event of the audit trail. */
export interface LiveEvent {
  readonly id: number;
  readonly type: string;
  readonly actor: {
    readonly type: 'advisor' | 'customer' | 'channel' | 'system';
    readonly id: number | null;
  };
  readonly entity: { readonly type: string; readonly id: number };
  /** Who may see the event: the records it touches. */
  readonly scope: {
    readonly customerId?: number | null;
    readonly conversationId?: number | null;
    readonly teamId?: number | null;
    readonly shopId?: number | null;
    readonly ownerId?: number | null;
  };
  readonly before: unknown;
  readonly after: unknown;
  readonly at: number;
}
