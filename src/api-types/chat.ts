/**
 * The live chat's wire shapes: what the website widget and the server say to each other over the
 * widget's WebSocket and HTTP routes, and what the desk reads of a live chat. Pure types.
 */
import type { Attachment } from './conversations.ts';

/** Who wrote a chat message, as the visitor sees it. */
export type ChatAuthor = 'visitor' | 'advisor' | 'system';

/** One message of a chat, as the widget shows it. `id` is the interaction id: the sync cursor. */
export interface ChatMessage {
  readonly id: number;
  /** The visitor's own id for a message they sent (echoed so tabs and resends match it). */
  readonly clientId: string | null;
  readonly author: ChatAuthor;
  /** The advisor's name for their messages; null for the visitor's and the system's. */
  readonly name: string | null;
  readonly photoUrl: string | null;
  readonly text: string;
  readonly attachments: readonly Attachment[];
  /** ISO time it was written. */
  readonly at: string;
  readonly conversationId: number;
}

/** A file the visitor uploaded (`POST /api/widget/:key/uploads`), named in a message by its id. */
export interface ChatUpload {
  readonly id: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
}

/** What the widget shows while nobody has taken the chat. */
export interface ChatWaiting {
  /** 1 = next to be answered. */
  readonly position: number;
  /** Routing's estimate; null when nobody on shift serves chat. */
  readonly estimatedWaitMs: number | null;
  /** The wait is long: offer to continue by email or take a callback. */
  readonly offerCallback: boolean;
  readonly offerEmail: boolean;
}

/** The widget's look and behaviour, from the chat account's settings (`GET /api/widget/:key/config`). */
export interface WidgetConfig {
  readonly key: string;
  readonly displayName: string;
  /** CSS colour of the launcher and the visitor's bubbles, `#rrggbb`. */
  readonly colour: string;
  readonly greeting: string;
  readonly position: 'bottom-right' | 'bottom-left';
  /** BCP 47 language tag of the widget's own words (`en`, `nl`, `de`, `fr`). */
  readonly language: string;
  /** Photos of advisors on shift, shown on the launcher's greeting. */
  readonly advisorPhotos: readonly string[];
  /** Someone can answer now: within opening hours and at least one chat advisor on shift. */
  readonly online: boolean;
  /** When offline: when the next opening begins (ISO), or null when no hours are set. */
  readonly nextOpenAt: string | null;
  /** Every request must carry the signed-in user's id and its HMAC (`identityRequired` setting). */
  readonly identityRequired: boolean;
  readonly maxAttachmentBytes: number;
  /** MIME types the widget may send (`image/png`, `application/pdf`…). */
  readonly attachmentTypes: readonly string[];
}

/** `POST /api/widget/:key/visitors`: who is chatting. */
export interface VisitorSession {
  /** Signed visitor token: kept in the widget's storage, sent on every request and the socket's hello. */
  readonly token: string;
  readonly visitorId: number;
  /** Recognised through identity verification. */
  readonly verified: boolean;
  readonly conversationId: number | null;
}

/** Frames the widget sends on `/api/widget/:key/socket`. The first must be `hello`. */
export type VisitorFrame =
  | {
      readonly type: 'hello';
      readonly token: string;
      readonly userId?: string | undefined;
      readonly userHash?: string | undefined;
      /** The id of the last message this tab has seen; null for all. */
      readonly after: number | null;
    }
  | {
      readonly type: 'message';
      /** The widget's own id for the message (random, ≤ 64 chars): a resend with it is ignored. */
      readonly clientId: string;
      readonly text: string;
      readonly attachments?: readonly ChatUpload[] | undefined;
    }
  | { readonly type: 'typing'; readonly typing: boolean }
  /** The visitor has seen every message up to and including this id. */
  | { readonly type: 'read'; readonly upTo: number }
  /** The page the visitor is on (sent on open and on every navigation the widget sees). */
  | {
      readonly type: 'page';
      readonly url: string;
      readonly title: string;
      readonly referrer?: string | undefined;
    }
  | { readonly type: 'ping' };

/** Frames the server sends to the widget. */
export type ServerFrame =
  | {
      readonly type: 'welcome';
      readonly visitorId: number;
      readonly conversationId: number | null;
      /** Messages after the hello's `after` follow as `message` frames, then this cursor is current. */
      readonly unread: number;
    }
  /** The message with this clientId is stored (or was already): `id` is its interaction id. */
  | {
      readonly type: 'ack';
      readonly clientId: string;
      readonly id: number;
      readonly conversationId: number;
    }
  | { readonly type: 'message'; readonly message: ChatMessage }
  | { readonly type: 'typing'; readonly name: string | null; readonly typing: boolean }
  /** The advisor has read the visitor's messages up to this id. */
  | { readonly type: 'read'; readonly upTo: number }
  /** Another tab of this visitor read up to this id: unread counts agree. */
  | { readonly type: 'seen'; readonly upTo: number; readonly unread: number }
  | { readonly type: 'advisor'; readonly name: string; readonly photoUrl: string | null }
  | ({ readonly type: 'waiting' } & ChatWaiting)
  | { readonly type: 'status'; readonly status: 'open' | 'resolved' }
  | { readonly type: 'error'; readonly code: string; readonly detail: string }
  | { readonly type: 'pong' };

/** One page of a visitor's trail, as the desk shows it. */
export interface VisitedPage {
  readonly url: string;
  readonly title: string;
  readonly at: string;
  /** Search words read off the page address or the referrer (`?q=`, `?s=`, `?search=`). */
  readonly search: string | null;
}

/** `GET /api/conversations/:id/chat`: the live state of a chat case, for the desk. */
export interface ChatState {
  readonly conversationId: number;
  readonly visitorId: number;
  /** At least one of the visitor's tabs is connected. */
  readonly online: boolean;
  readonly typing: boolean;
  /** The visitor has read our messages up to this id. */
  readonly visitorReadUpTo: number;
  /** We have read the visitor's messages up to this id. */
  readonly advisorReadUpTo: number;
  readonly verified: boolean;
  readonly pages: readonly VisitedPage[];
}
