/**
 * What the send queue needs from the channel domain: which account a reply leaves on, which adapter
 * carries it, and the job that sends it. The server builds the `Outbox` (adapters by provider, the
 * account lookup); the domain is handed it and never imports an adapter.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { AdapterAccount, AdapterRegistry } from './adapter.ts';
import type { SecretBox } from '../platform/secrets.ts';
import { accountSecrets, getChannelAccount } from './channel-accounts.ts';

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
  /** An enabled account by id, with its secrets opened; undefined when missing or switched off. */
  byId(db: Kysely<Database>, id: number): Promise<AdapterAccount | undefined>;
}

/** The adapters this server runs and how it finds accounts: everything a send needs. */
export interface Outbox {
  readonly adapters: AdapterRegistry;
  readonly accounts: AccountLookup;
}

/** Channel accounts as stored, their secrets opened with `box` (RAPPORT_SECRET_KEY). */
export function storedAccounts(box: SecretBox): AccountLookup {
  return {
    async byId(db, id) {
      const account = await getChannelAccount(db, id).catch(() => undefined);
      if (!account || !account.enabled) return undefined;
      const secrets = account.secretsSet.length > 0 ? await accountSecrets(db, box, id) : {};
      return {
        id: account.id,
        channel: account.channel,
        provider: account.provider,
        address: account.address,
        settings: account.settings,
        secrets,
      };
    },
  };
}
