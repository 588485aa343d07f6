/**
 * The API's wire shapes, shared by the server and the browser front end (web/ may import nothing else
 * from src/). Pure types: no runtime code, no imports of server modules.
 */

/** A channel a customer reaches us on. Calls and callbacks travel on voice; shop tickets and appointments on shop. */
export type Channel = 'voice' | 'chat' | 'email' | 'sms' | 'social' | 'shop';

/** How a channel shows on the desk and whether advisors may answer on it. */
export interface ChannelSetting {
  readonly channel: Channel;
  /** Off: the desk offers no replies on it and the server refuses them; customers still reach us. */
  readonly enabled: boolean;
  readonly displayName: string;
  /** On: each reply ends with the advisor's name. */
  readonly signature: boolean;
  /** False while the channel still uses the built-in default. */
  readonly customised: boolean;
}
