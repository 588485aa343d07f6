import type { Channel } from '../api-types/channels.ts';

/**
 * The channels a customer reaches us on, in the order reports list them. Calls and callbacks travel on
 * voice; shop tickets and appointments on shop. Every area names a channel with this one type.
 */
export const channels = [
  'voice',
  'chat',
  'email',
  'sms',
  'social',
  'shop',
] as const satisfies readonly Channel[];
export type { Channel };

/** True for a customer channel (not `internal`, the channel of notes). */
export function isChannel(value: string): value is Channel {
  return (channels as readonly string[]).includes(value);
}
