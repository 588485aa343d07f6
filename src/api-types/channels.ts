/**
 * The API's wire shapes, shared by the server and the browser front end (web/ may import nothing else
 * from src/). Pure types: no runtime code, no imports of server modules.
 */

/** A channel a customer reaches us on. Calls and callbacks travel on voice; shop tickets and appointments on shop. */
export type Channel = 'voice' | 'chat' | 'email' | 'sms' | 'social' | 'shop';

/** Who carries an account's messages. */
export type ChannelProvider = 'smtp' | 'twilio' | 'meta' | 'x' | 'webhook' | 'widget' | 'shop';

export type SettingValue = string | number | boolean;

/** A mailbox, phone number, page, widget or shop as the API shows it: its secrets by name only. */
export interface ChannelAccount {
  readonly id: number;
  readonly channel: Channel;
  readonly provider: ChannelProvider;
  readonly displayName: string;
  /** The mailbox address, the phone number (E.164), the page or account id, the widget key… */
  readonly address: string;
  /** On: each reply ends with the advisor's name. */
  readonly signature: boolean;
  /** Off: no replies go out on it; customers who write to it still reach us. */
  readonly enabled: boolean;
  /** Replies and new cases of this account belong to this team. */
  readonly teamId: number | null;
  /** Non-secret settings: the provider's base URL, an SMTP host and port, the social network… */
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** The names of the secrets that are set, never their values. */
  readonly secretsSet: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What the desk needs of a channel: whether a reply can go out on it, and on which accounts. */
export interface ChannelSummary {
  readonly channel: Channel;
  readonly displayName: string;
  /** True when at least one account of the channel is enabled: replies can go out. */
  readonly enabled: boolean;
  /** Whether the channel's default account (its first enabled one) signs replies. */
  readonly signature: boolean;
  readonly accounts: ReadonlyArray<
    Pick<ChannelAccount, 'id' | 'displayName' | 'address' | 'signature' | 'teamId'>
  >;
}

/** Whether the poller reads an email account's IMAP mailbox: not yet, yes, or not since a failure. */
export type MailboxState = 'connecting' | 'connected' | 'disconnected';

/** An email account's IMAP mailbox as the poller last found it. */
export interface MailboxStatus {
  readonly state: MailboxState;
  /** Why the last attempt failed (a refused login, a lost connection…); null after a success. */
  readonly lastError: string | null;
  readonly lastSuccessAt: string | null;
  readonly nextAttemptAt: string | null;
  /** Since when it cannot be read; null while connected. */
  readonly disconnectedSince: string | null;
  /** The mailbox's UIDVALIDITY the last UID belongs to; null before the first read. */
  readonly uidValidity: number | null;
  /** Every message up to this UID has been taken in. */
  readonly lastUid: number;
}
