import type { Kysely } from 'kysely';
import type { Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Invalid } from '../platform/errors.ts';
import { channels, type Channel } from './channel.ts';
import type { ChannelSetting } from '../api-types/channels.ts';

export interface ChannelSettingsTable {
  channel: string;
  enabled: number;
  display_name: string;
  signature: number;
  updated_at: number;
}

declare module '../platform/db/schema.ts' {
  interface Database {
    channel_settings: ChannelSettingsTable;
  }
}

export type ChannelSettings = Record<Channel, ChannelSetting>;

const defaults: Readonly<
  Record<Channel, { displayName: string; enabled: boolean; signature: boolean }>
> = {
  voice: { displayName: 'Phone', enabled: true, signature: false },
  chat: { displayName: 'Chat', enabled: true, signature: false },
  email: { displayName: 'Email', enabled: true, signature: true },
  sms: { displayName: 'SMS', enabled: true, signature: false },
  social: { displayName: 'Social', enabled: true, signature: false },
  shop: { displayName: 'Shop', enabled: true, signature: false },
};

/** Every channel's settings: the stored ones, or the defaults. */
export async function loadChannelSettings(db: Kysely<Database>): Promise<ChannelSettings> {
  const rows = await db.selectFrom('channel_settings').selectAll().execute();
  const stored = new Map(rows.map((r) => [r.channel, r]));
  return Object.fromEntries(
    channels.map((channel) => {
      const row = stored.get(channel);
      const setting: ChannelSetting = row
        ? {
            channel,
            enabled: Number(row.enabled) === 1,
            displayName: row.display_name,
            signature: Number(row.signature) === 1,
            customised: true,
          }
        : { channel, ...defaults[channel], customised: false };
      return [channel, setting];
    }),
  ) as ChannelSettings;
}

/** Changes one channel's settings; audited with before and after. */
export async function setChannelSettings(
  unit: Unit,
  channel: Channel,
  change: { readonly enabled: boolean; readonly displayName: string; readonly signature: boolean },
  actor: Actor,
): Promise<ChannelSetting> {
  const displayName = change.displayName.trim();
  if (!displayName) throw new Invalid('displayName', 'must not be blank');
  const before = (await loadChannelSettings(unit.db))[channel];
  const values = {
    enabled: change.enabled ? 1 : 0,
    display_name: displayName,
    signature: change.signature ? 1 : 0,
    updated_at: unit.now,
  };
  await unit.db
    .insertInto('channel_settings')
    .values({ channel, ...values })
    .onConflict((oc) => oc.column('channel').doUpdateSet(values))
    .execute();
  const after: ChannelSetting = {
    channel,
    enabled: change.enabled,
    displayName,
    signature: change.signature,
    customised: true,
  };
  await unit.record({
    type: 'channel.settings-changed',
    actor,
    entity: { type: 'channel_settings', id: channels.indexOf(channel) + 1 },
    before,
    after,
  });
  return after;
}

/** A reply as it leaves: with the advisor's name below it when the channel signs replies (pure). */
export function signReply(
  reply: { readonly text: string; readonly html?: string | undefined },
  advisorName: string,
  setting: Pick<ChannelSetting, 'signature'>,
): { text: string; html?: string } {
  if (!setting.signature) return { text: reply.text, ...(reply.html ? { html: reply.html } : {}) };
  const escaped = advisorName.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    text: `${reply.text}\n\n— ${advisorName}`,
    ...(reply.html ? { html: `${reply.html}<p>— ${escaped}</p>` } : {}),
  };
}

export type { ChannelSetting };
