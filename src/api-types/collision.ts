/** Collision awareness and alerts: who else is on a case, and an advisor's own alert settings. */

/** An advisor on a case right now: viewing it, maybe typing a reply. */
export interface CasePresence {
  readonly advisorId: number;
  readonly name: string;
  readonly typing: boolean;
  /** How long the entry stays without news from that browser (it expires by itself after). */
  readonly expiresInMs: number;
  /** How long "typing" holds without another keystroke (0 when not typing). */
  readonly typingForMs: number;
}

/** The `after` of a live `case.presence` event: one advisor came, typed, or left a case. */
export interface CasePresenceChange extends CasePresence {
  readonly conversationId: number;
  /** False when the advisor left the case (closed it, or the page went away). */
  readonly present: boolean;
}

/** One way an alert reaches the advisor. */
export interface AlertWays {
  /** A short tone (generated in the browser). */
  readonly sound: boolean;
  /** A desktop notification (the browser asks for permission first). */
  readonly desktop: boolean;
  /** The count in the tab's title, "(3) Rapport". */
  readonly title: boolean;
}

/** What alerts an advisor, for offers of work and for new messages on their own cases. */
export interface AlertSettings {
  readonly offers: AlertWays;
  readonly messages: AlertWays;
}

/** An advisor's own settings (`GET /api/me/settings`). */
export interface PersonalSettings {
  readonly alerts: AlertSettings;
}
