/**
 * The widget's pure rules: merging what the server sent with what the visitor is still sending, the
 * unread count, the reconnect backoff, the outbox kept until acknowledged, and the file checks made
 * before an upload. No DOM, no network: tested under Node (chat-state.test.ts).
 */
import type { ChatMessage, ChatUpload, ChatWaiting } from '../../src/api-types/chat.ts';

/** A message the visitor wrote that the server has not acknowledged yet. */
export interface PendingMessage {
  readonly clientId: string;
  readonly text: string;
  readonly attachments: readonly ChatUpload[];
  /** ISO time it was written. */
  readonly at: string;
}

/** One line of the chat as the widget shows it: stored (with an id) or still on its way. */
export type ShownMessage =
  | { readonly kind: 'stored'; readonly message: ChatMessage }
  | { readonly kind: 'pending'; readonly pending: PendingMessage };

/** A random id for a message (≤ 64 chars): a resend with it is ignored by the server. */
export function newClientId(random: () => string = () => crypto.randomUUID()): string {
  return `w-${random()}`;
}

/**
 * Adds server messages to the list: one entry per id, and a stored message replaces the pending
 * one with its clientId (a resend, another tab, the server's echo). Sorted by id.
 */
export function mergeMessages(
  stored: readonly ChatMessage[],
  incoming: readonly ChatMessage[],
): ChatMessage[] {
  const byId = new Map<number, ChatMessage>();
  for (const message of stored) byId.set(message.id, message);
  for (const message of incoming) byId.set(message.id, message);
  return [...byId.values()].sort((a, b) => a.id - b.id);
}

/** What the visitor sees: stored messages in order, then what is still being sent. */
export function shownMessages(
  stored: readonly ChatMessage[],
  pending: readonly PendingMessage[],
): ShownMessage[] {
  const storedClientIds = new Set(stored.map((m) => m.clientId).filter((id) => id !== null));
  return [
    ...stored.map((message): ShownMessage => ({ kind: 'stored', message })),
    ...pending
      .filter((p) => !storedClientIds.has(p.clientId))
      .map((p): ShownMessage => ({ kind: 'pending', pending: p })),
  ];
}

/** The highest message id the widget has: the cursor its hello sends as `after`. */
export function cursorOf(stored: readonly ChatMessage[]): number | null {
  let cursor: number | null = null;
  for (const message of stored) if (cursor === null || message.id > cursor) cursor = message.id;
  return cursor;
}

/** Advisor (and system) messages the visitor has not read, given how far they read. */
export function unreadCount(stored: readonly ChatMessage[], readUpTo: number): number {
  return stored.filter((m) => m.author !== 'visitor' && m.id > readUpTo).length;
}

/** The newest message id the visitor can read: what a `read` frame reports. */
export function lastReadable(stored: readonly ChatMessage[]): number {
  let last = 0;
  for (const message of stored) if (message.id > last) last = message.id;
  return last;
}

/**
 * Delay before reconnect attempt `attempt` (0 = the first after a drop): exponential from 500 ms,
 * capped at 30 s, with "equal jitter" (half fixed, half random) so thousands of visitors dropped by
 * one server restart do not all come back in the same millisecond.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(30_000, 500 * 2 ** Math.min(attempt, 16));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Storage the outbox lives in: localStorage in the browser, a Map in tests. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Messages older than this are dropped from the outbox rather than resent days later. */
const outboxMaxAgeMs = 24 * 60 * 60 * 1000;

/**
 * The messages written and not yet acknowledged, kept in storage so a reload, a crash or a closed
 * tab loses nothing: the next page (or another tab) sends them again, and the server ignores
 * repeats by clientId.
 */
export class Outbox {
  constructor(
    private readonly storage: KeyValueStore | null,
    private readonly key: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Everything still unacknowledged, oldest first. */
  list(): PendingMessage[] {
    return this.read().valid;
  }

  add(message: PendingMessage): void {
    this.write([...this.list().filter((p) => p.clientId !== message.clientId), message]);
  }

  /** The server has the message (an ack, or the message itself came back): stop resending it. */
  remove(clientId: string): void {
    const { stored, valid } = this.read();
    const kept = valid.filter((p) => p.clientId !== clientId);
    // Written only on a change (which includes dropping what aged out): tabs share this key.
    if (kept.length !== stored) this.write(kept);
  }

  private read(): { stored: number; valid: PendingMessage[] } {
    let parsed: unknown;
    try {
      const raw = this.storage?.getItem(this.key) ?? null;
      if (!raw) return { stored: 0, valid: [] };
      parsed = JSON.parse(raw);
    } catch {
      return { stored: 1, valid: [] };
    }
    if (!Array.isArray(parsed)) return { stored: 1, valid: [] };
    const cutoff = this.now() - outboxMaxAgeMs;
    const valid = parsed.filter(
      (p): p is PendingMessage =>
        typeof p === 'object' &&
        p !== null &&
        typeof (p as PendingMessage).clientId === 'string' &&
        typeof (p as PendingMessage).text === 'string' &&
        Array.isArray((p as PendingMessage).attachments) &&
        typeof (p as PendingMessage).at === 'string' &&
        Date.parse((p as PendingMessage).at) >= cutoff,
    );
    return { stored: parsed.length, valid };
  }

  private write(list: readonly PendingMessage[]): void {
    try {
      if (list.length === 0) this.storage?.removeItem(this.key);
      else this.storage?.setItem(this.key, JSON.stringify(list));
    } catch {
      // Storage full or refused (private mode): the message still goes out from memory.
    }
  }
}

/** Why a file cannot be sent, checked before uploading; null when it may go. */
export function fileRefusal(
  file: { readonly type: string; readonly size: number },
  limits: { readonly attachmentTypes: readonly string[]; readonly maxAttachmentBytes: number },
): 'type' | 'size' | 'empty' | null {
  if (!limits.attachmentTypes.includes(file.type.toLowerCase())) return 'type';
  if (file.size === 0) return 'empty';
  if (file.size > limits.maxAttachmentBytes) return 'size';
  return null;
}

/** A byte count for people: `5 MB`, `300 KB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Minutes of an estimated wait, rounded up, at least 1; null when there is no estimate. */
export function waitMinutes(waiting: Pick<ChatWaiting, 'estimatedWaitMs'>): number | null {
  if (waiting.estimatedWaitMs === null) return null;
  return Math.max(1, Math.ceil(waiting.estimatedWaitMs / 60_000));
}

/** `#rrggbb` as given, or null; and whether text on it should be dark. */
export function accentColours(colour: string): { accent: string; onAccent: string } | null {
  const match = /^#([0-9a-f]{6})$/i.exec(colour);
  if (!match) return null;
  const value = parseInt(match[1]!, 16);
  const channel = (shift: number) => {
    const c = ((value >> shift) & 0xff) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
  // White text needs a contrast of 4.5 against the colour: true below luminance ~0.18.
  return { accent: colour, onAccent: luminance > 0.179 ? '#111111' : '#ffffff' };
}
