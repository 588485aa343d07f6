/**
 * What the send queue needs from the channel domain: which account a reply leaves on, which adapter
 * carries it, and the job that sends it. The server builds the `Outbox` (adapters by provider, the
 * account lookup); the domain is handed it and never imports an adapter.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { AdapterAccount, AdapterRegistry } from './adapter.ts';
import type { Channel } from './channel.ts';

/** The job type of one reply's send. */
export const sendJobType = 'channel.send';

/** What a send job carries: the reply, the account it leaves on, the key the provider dedupes on. */
export interface SendJobPayload {
  readonly interactionId: number;
  readonly accountId: number;
  readonly idempotencyKey: string;
}

/**
 * The key of a reply's send, for the job and for the provider's Idempotency-Key: the same for every
 * attempt, so a retried send is one message; a new one after an advisor's retry of a failed send.
 */
export function sendKeyOf(interactionId: number, retry = 0): string {
  return retry === 0 ? `send:${interactionId}` : `send:${interactionId}:retry-${retry}`;
}

/** Finds channel accounts with their secrets opened, for the send queue and inbound webhooks. */
export interface AccountLookup {
  /** The enabled account a reply on `channel` leaves on, if the channel has one. */
  forReply(
    db: Kysely<Database>,
    reply: {
      readonly channel: Channel;
      readonly conversationId: number;
      readonly teamId: number | null;
    },
  ): Promise<AdapterAccount | undefined>;
  /** An enabled account by id. */
  byId(db: Kysely<Database>, id: number): Promise<AdapterAccount | undefined>;
}

/** The adapters this server runs and how it finds accounts: everything a send needs. */
export interface Outbox {
  readonly adapters: AdapterRegistry;
  readonly accounts: AccountLookup;
}

/** An account lookup over a fixed list (tests, and servers before accounts are configured). */
export function fixedAccounts(accounts: readonly AdapterAccount[]): AccountLookup {
  return {
    async forReply(_db, reply) {
      return accounts.find((a) => a.channel === reply.channel);
    },
    async byId(_db, id) {
      return accounts.find((a) => a.id === id);
    },
  };
}
