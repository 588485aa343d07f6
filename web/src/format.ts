/** How the desk writes times, durations, channels and states for people. */

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

export function clockTime(iso: string): string {
  const d = new Date(iso);
  const today = new Date();
  const sameDay = d.toDateString() === today.toDateString();
  return sameDay
    ? d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString(undefined, {
        day: 'numeric',
        month: 'short',
        hour: '2-digit',
        minute: '2-digit',
      });
}

export const channelNames: Record<string, string> = {
  email: 'Email',
  chat: 'Chat',
  voice: 'Phone',
  sms: 'SMS',
  shop: 'Shop',
  social: 'Social',
  internal: 'Internal',
};

/** Uses the administrator's display names for channels everywhere the desk names one. */
export function applyChannelNames(
  settings: ReadonlyArray<{ channel: string; displayName: string }>,
): void {
  for (const s of settings) channelNames[s.channel] = s.displayName;
}

export const kindNames: Record<string, string> = {
  email: 'Email',
  chat_message: 'Chat',
  call: 'Call',
  sms: 'SMS',
  shop_visit: 'Shop visit',
  social_post: 'Public post',
  social_dm: 'Private message',
  note: 'Note',
};

export const statusNames: Record<string, string> = {
  open: 'Open',
  pending_customer: 'Pending customer',
  pending_us: 'Pending us',
  resolved: 'Resolved',
  closed: 'Closed',
};

/** Delivery states in words; a reply the channel has not taken yet is never called "sent". */
export const deliveryNames: Record<string, string> = {
  received: 'received',
  queued: 'waiting for the channel',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  failed: 'failed to send',
  none: 'internal note',
};

export function percent(fraction: number | null): string {
  return fraction === null ? '—' : `${Math.round(fraction * 100)}%`;
}
