import type { Generated, Insertable, Selectable } from 'kysely';

/** Tables as Kysely sees them. Timestamps are UTC epoch milliseconds; JSON columns hold text. */
export interface Database {
  teams: TeamsTable;
  shops: ShopsTable;
  advisors: AdvisorsTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  customers: CustomersTable;
  identities: IdentitiesTable;
  conversations: ConversationsTable;
  conversation_tags: ConversationTagsTable;
  interactions: InteractionsTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  advisor_states: AdvisorStatesTable;
  work_items: WorkItemsTable;
  jobs: JobsTable;
  delivery_events: DeliveryEventsTable;
  channel_accounts: ChannelAccountsTable;
  webhook_subscriptions: WebhookSubscriptionsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_allow_list: WebhookAllowListTable;
  macros: MacrosTable;
  service_level_policies: ServiceLevelPoliciesTable;
  shop_hours: ShopHoursTable;
  login_attempts: LoginAttemptsTable;
  blobs: BlobsTable;
  email_messages: EmailMessagesTable;
  reply_tokens: ReplyTokensTable;
  imap_mailboxes: ImapMailboxesTable;
  imap_seen: ImapSeenTable;
  chat_visitors: ChatVisitorsTable;
  chat_pages: ChatPagesTable;
  chat_keys: ChatKeysTable;
  calls: CallsTable;
  callback_attempts: CallbackAttemptsTable;
  twilio_sends: TwilioSendsTable;
  advisor_lines: AdvisorLinesTable;
  call_wrap_ups: CallWrapUpsTable;
  shop_exceptions: ShopExceptionsTable;
  shop_desks: ShopDesksTable;
  shop_services: ShopServicesTable;
  shop_offered_services: ShopOfferedServicesTable;
  shop_shifts: ShopShiftsTable;
  shop_appointments: ShopAppointmentsTable;
  shop_reservations: ShopReservationsTable;
  shop_claims: ShopClaimsTable;
  shop_tickets: ShopTicketsTable;
  shop_ticket_counters: ShopTicketCountersTable;
  shop_board_calls: ShopBoardCallsTable;
  shop_desk_sessions: ShopDeskSessionsTable;
  shop_repairs: ShopRepairsTable;
  shop_repair_photos: ShopRepairPhotosTable;
  shop_repair_steps: ShopRepairStepsTable;
  callback_claims: CallbackClaimsTable;
  saved_views: SavedViewsTable;
  case_reads: CaseReadsTable;
  logged_visits: LoggedVisitsTable;
  team_calendars: TeamCalendarsTable;
  team_hours: TeamHoursTable;
  team_holidays: TeamHolidaysTable;
  offer_declines: OfferDeclinesTable;
  case_presence: CasePresenceTable;
  advisor_settings: AdvisorSettingsTable;
  customer_merges: CustomerMergesTable;
  password_links: PasswordLinksTable;
  authority_limits: AuthorityLimitsTable;
  team_budgets: TeamBudgetsTable;
  authority_actions: AuthorityActionsTable;
}

/** Where an email account's IMAP mailbox was read up to, and whether it answers now. */
export interface ImapMailboxesTable {
  account_id: number;
  mailbox: string;
  /** The mailbox's UIDVALIDITY when `last_uid` was recorded; null before the first read. */
  uid_validity: number | null;
  /** Every message up to this UID (under `uid_validity`) has been taken. */
  last_uid: number;
  /** 'connecting' | 'connected' | 'disconnected'. */
  state: string;
  last_error: string | null;
  last_success_at: number | null;
  /** When it stopped answering; null while connected. */
  disconnected_since: number | null;
  next_attempt_at: number | null;
  /** Failed attempts in a row, for the backoff. */
  failures: number;
  /** The node polling it until `lease_until`. */
  lease_owner: string | null;
  lease_until: number | null;
  updated_at: number;
}

/** One message taken from an IMAP mailbox, by UID and by Message-ID. */
export interface ImapSeenTable {
  account_id: number;
  uid_validity: number;
  uid: number;
  message_id: string;
  taken_at: number;
}

/** One failed sign-in under one key (`address:<ip>` or `account:<email>`), for the login limits. */
export interface LoginAttemptsTable {
  id: Generated<number>;
  key: string;
  at: number;
}

export interface AdvisorStatesTable {
  advisor_id: number;
  presence: string;
  capacity: string;
  idle_since: number;
  recovery_until: number | null;
  updated_at: number;
  /** When a desk (the live WebSocket) of the advisor was last seen open; null when never (0180). */
  desk_seen_at: number | null;
}

export interface WorkItemsTable {
  id: Generated<number>;
  kind: string;
  channel: string;
  conversation_id: number;
  customer_id: number;
  team_id: number | null;
  shop_id: number | null;
  skills: string;
  language: string | null;
  priority: number;
  hard: number;
  created_at: number;
  deadline_at: number;
  preferred_advisor_id: number | null;
  affinity_until: number | null;
  status: string;
  advisor_id: number | null;
  offered_at: number | null;
  offer_expires_at: number | null;
  accepted_at: number | null;
  completed_at: number | null;
  callback_number: string | null;
  /** Not offered before this (a callback placed for later, or waiting after a busy line); null: now. */
  due_at: number | null;
  updated_at: number;
}

export interface TeamsTable {
  id: Generated<number>;
  name: string;
  kind: string;
  created_at: number;
  /** When the team was archived (kept for its history, out of routing and pickers); null when in use. */
  archived_at: Generated<number | null>;
}

export interface ShopsTable {
  id: Generated<number>;
  name: string;
  city: string;
  time_zone: string;
  address: string;
  team_id: number | null;
  created_at: number;
  /** Postal code, and where the shop is (WGS 84 degrees), for "nearest first". */
  postcode: Generated<string>;
  latitude: number | null;
  longitude: number | null;
}

export interface AdvisorsTable {
  id: Generated<number>;
  name: string;
  email: string;
  role: string;
  team_id: number | null;
  shop_id: number | null;
  password_hash: string | null;
  languages: string;
  skills: string;
  active: number;
  created_at: number;
  updated_at: number;
}

export interface SessionsTable {
  id: string;
  advisor_id: number;
  created_at: number;
  expires_at: number;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  advisor_id: number;
  created_at: number;
  revoked_at: number | null;
  /** JSON array of scopes ('read', 'inbound:write', 'admin'); null for a token older than scopes: all. */
  scopes: Generated<string | null>;
  /** When the token was last used, written at most once a minute. */
  last_used_at: Generated<number | null>;
}

export interface CustomersTable {
  id: Generated<number>;
  display_name: string;
  language: string | null;
  consent: string;
  owner_id: number | null;
  last_advisor_id: number | null;
  merged_into_id: number | null;
  erased_at: number | null;
  search_text: string;
  created_at: number;
  updated_at: number;
}

export interface IdentitiesTable {
  id: Generated<number>;
  customer_id: number;
  kind: string;
  network: string;
  value: string;
  created_at: number;
}

export interface ConversationsTable {
  id: Generated<number>;
  customer_id: number;
  subject: string;
  status: string;
  owner_id: number | null;
  team_id: number | null;
  shop_id: number | null;
  priority: string;
  origin_channel: string;
  created_at: number;
  updated_at: number;
  last_interaction_at: number;
  resolved_at: number | null;
  /** The case stays out of the waiting list until then… */
  snoozed_until: number | null;
  /** …unless the customer writes after this moment (when the snooze was set). */
  snoozed_at: number | null;
}

export interface ConversationTagsTable {
  conversation_id: number;
  tag: string;
}

export interface InteractionsTable {
  id: Generated<number>;
  conversation_id: number;
  customer_id: number;
  channel: string;
  kind: string;
  direction: string;
  author_type: string;
  author_id: number | null;
  text: string;
  html: string | null;
  attachments: string;
  provider: string | null;
  provider_id: string | null;
  is_private: number;
  delivery_state: string;
  created_at: number;
  /** When the provider took an outbound interaction: it counts as an answer from then. */
  sent_at: number | null;
  /** The provider's reason for a failed send. */
  delivery_reason: string | null;
  /** 1 for a machine's message (auto-reply, bulk, our own echo): stored, never routed or answered. */
  automated: Generated<number>;
  /** The channel account it came in on or went out on. */
  account_id: number | null;
  from_address: string | null;
  to_address: string | null;
  /** JSON array of addresses. */
  cc: string | null;
  /** The provider's thread key (an email's Message-ID chain, a chat session, a call). */
  thread_id: string | null;
  /** A message's own subject, where its channel has one (email). */
  subject: string | null;
}

/** Each step of an outbound interaction's delivery, oldest first. */
export interface DeliveryEventsTable {
  id: Generated<number>;
  interaction_id: number;
  state: string;
  reason: string | null;
  provider: string | null;
  at: number;
}

/** A mailbox, phone number, page, widget or shop that a channel reaches customers through. */
export interface ChannelAccountsTable {
  id: Generated<number>;
  channel: string;
  provider: string;
  display_name: string;
  address: string;
  signature: number;
  enabled: number;
  team_id: number | null;
  /** JSON object of non-secret settings (base URL, host, port…). */
  settings: string;
  /** One sealed JSON object of the account's secrets, or null when it has none. */
  secrets: string | null;
  /** JSON array of the names in `secrets`: which are set is not a secret. */
  secret_names: string;
  created_at: number;
  updated_at: number;
}

export interface EventsTable {
  id: Generated<number>;
  type: string;
  actor_type: string;
  actor_id: number | null;
  entity_type: string;
  entity_id: number;
  customer_id: number | null;
  conversation_id: number | null;
  team_id: number | null;
  shop_id: number | null;
  owner_id: number | null;
  before: string | null;
  after: string | null;
  created_at: number;
  published_at: number | null;
}

export interface IdempotencyKeysTable {
  actor: string;
  key: string;
  request_hash: string;
  status_code: number;
  response_body: string;
  created_at: number;
}

/** The durable job queue (platform/jobs): one row per job, from queued to done or dead. */
export interface JobsTable {
  id: Generated<number>;
  type: string;
  /** JSON. */
  payload: string;
  key: string | null;
  /** 'queued' | 'running' | 'done' | 'dead'. */
  state: string;
  /** How many times a worker has started it. */
  attempts: number;
  max_attempts: number;
  run_at: number;
  lease_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
  updated_at: number;
  finished_at: number | null;
}

export interface MacrosTable {
  id: Generated<number>;
  name: string;
  body: string;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

/** One row per channel once an administrator changes its promise; absent rows use the defaults. */
export interface ServiceLevelPoliciesTable {
  channel: string;
  threshold_ms: number;
  target_fraction: number;
  updated_at: number;
}

/** Openings per weekday (ISO 1 = Monday … 7 = Sunday) in the shop's local time, several a day; no row = closed. */
export interface ShopHoursTable {
  shop_id: number;
  weekday: number;
  opens: string;
  closes: string;
}

export type AdvisorRow = Selectable<AdvisorsTable>;
export type CustomerRow = Selectable<CustomersTable>;
export type IdentityRow = Selectable<IdentitiesTable>;
export type ConversationRow = Selectable<ConversationsTable>;
export type InteractionRow = Selectable<InteractionsTable>;
export type EventRow = Selectable<EventsTable>;
export type NewInteraction = Insertable<InteractionsTable>;
export type ChannelAccountRow = Selectable<ChannelAccountsTable>;
export type WorkItemRow = Selectable<WorkItemsTable>;

/** Outbound webhooks (src/integrations): where the company's own systems hear Rapport's events. */
export interface WebhookSubscriptionsTable {
  id: Generated<number>;
  name: string;
  url: string;
  /** JSON array of event types and `prefix.*` patterns. */
  event_types: string;
  active: number;
  /** The signing secret, sealed with RAPPORT_SECRET_KEY. */
  secret_sealed: string;
  created_at: number;
  updated_at: number;
}

/** The delivery log: one row per attempt to deliver one event to one subscription. */
export interface WebhookDeliveriesTable {
  id: Generated<number>;
  subscription_id: number;
  delivery_id: string;
  job_id: number;
  event_id: number;
  event_type: string;
  attempt: number;
  /** 'delivered' | 'retrying' | 'failed'. */
  outcome: string;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
  duration_ms: number;
  at: number;
}

/** Internal destinations (host names, IPs, CIDR ranges) an admin lets webhooks reach. */
export interface WebhookAllowListTable {
  entry: string;
  created_at: number;
}
export type MacroRow = Selectable<MacrosTable>;

/** Bytes kept by their SHA-256 (raw mail, attachments): stored once however often they arrive. */
export interface BlobsTable {
  sha256: string;
  size: number;
  content_type: string;
  bytes: Buffer;
  created_at: number;
}

/** One email as it arrived or left: its raw source, its threading headers, what was found in it. */
export interface EmailMessagesTable {
  id: Generated<number>;
  account_id: number | null;
  /** Normalised Message-ID (no angle brackets); one row per id. */
  message_id: string;
  raw_sha256: string;
  /** smtp | imap (in) or sent (out). */
  via: string;
  envelope_from: string | null;
  /** JSON array of the envelope's recipients. */
  envelope_to: string | null;
  interaction_id: number | null;
  in_reply_to: string | null;
  /** JSON array of Message-IDs, oldest first. */
  references: string;
  reply_to: string | null;
  /** DMARC per the receiving server's Authentication-Results: pass, fail or none. */
  authentication: string;
  /** JSON object of what an advisor should know (unreadable, replyToDiffers, mentionsCase…). */
  problems: string;
  remote_images: number;
  automated_reason: string | null;
  created_at: number;
}

/** The per-case reply address token (`care+<token>@…`). */
export interface ReplyTokensTable {
  token: string;
  conversation_id: number;
  created_at: number;
}

/** A visitor of the company's website chat: who they are and how far each side has read. */
export interface ChatVisitorsTable {
  id: Generated<number>;
  account_id: number;
  /** Null only inside the unit that creates the visitor. */
  customer_id: number | null;
  /** The signed-in user's id on the company's site, verified by its HMAC; null when anonymous. */
  user_id: string | null;
  /** The visitor's current chat case. */
  conversation_id: number | null;
  /** The visitor has read our messages up to this interaction id. */
  visitor_read_up_to: Generated<number>;
  /** We have read the visitor's messages up to this interaction id. */
  advisor_read_up_to: Generated<number>;
  created_at: number;
  last_seen_at: number;
}

/** A page the widget saw its visitor on; the last 50 per visitor are kept. */
export interface ChatPagesTable {
  id: Generated<number>;
  visitor_id: number;
  url: string;
  title: string;
  referrer: string | null;
  at: number;
}

/** The key that signs visitor tokens when RAPPORT_SECRET_KEY is not set (created once). */
export interface ChatKeysTable {
  name: string;
  /** base64url of 32 random bytes. */
  key: string;
  created_at: number;
}

/** A phone call (Twilio or a PBX's call events) and the state it reached (0190-calls). */
export interface CallsTable {
  id: Generated<number>;
  provider: string;
  provider_call_id: string;
  account_id: number | null;
  direction: string;
  from_number: string;
  to_number: string;
  customer_id: number | null;
  conversation_id: number | null;
  interaction_id: number | null;
  work_item_id: number | null;
  advisor_id: number | null;
  state: string;
  ended_by: string | null;
  outcome: string | null;
  started_at: number;
  answered_at: number | null;
  ended_at: number | null;
  duration_seconds: number | null;
  recording_url: string | null;
  /** Twilio's recording, fetched and kept as a blob (0220-call-followups). */
  recording_sid: string | null;
  recording_sha256: string | null;
  /** pending, stored or failed; null without a recording. */
  recording_state: string | null;
  /** The callback an advisor made of this missed call (0220-call-followups). */
  callback_item_id: number | null;
  updated_at: number;
}
export type CallRow = Selectable<CallsTable>;

export interface CallbackAttemptsTable {
  id: Generated<number>;
  work_item_id: number;
  call_id: number | null;
  advisor_id: number | null;
  outcome: string;
  detail: string | null;
  retry_at: number | null;
  created_at: number;
}

/** An SMS send Twilio took (or that is on its way), by send key: a repeated job answers the sid. */
export interface TwilioSendsTable {
  key: string;
  interaction_id: number;
  sid: string | null;
  started_at: number;
}

/** The phone number or SIP address an advisor's calls are put through to. */
export interface AdvisorLinesTable {
  advisor_id: number;
  address: string;
  updated_at: number;
}

/** An accepted callback's claim on its call: one node places it (0220-call-followups). */
export interface CallbackClaimsTable {
  work_item_id: number;
  accepted_at: number;
  created_at: number;
}

/** The advisor's wrap-up of a call: notes, outcome, a hard call (0210-call-wrap-up). */
export interface CallWrapUpsTable {
  call_id: number;
  advisor_id: number;
  outcome: string;
  notes: string;
  hard: number;
  created_at: number;
  updated_at: number;
}

/** A dated exception in the shop's local calendar: no times closes the day; times replace its hours. */
export interface ShopExceptionsTable {
  id: Generated<number>;
  shop_id: number;
  /** "yyyy-MM-dd" in the shop's time zone. */
  date: string;
  opens: string | null;
  closes: string | null;
  reason: string;
}

export interface ShopDesksTable {
  id: Generated<number>;
  shop_id: number;
  name: string;
  active: Generated<number>;
  created_at: number;
}

/** A service of the company's catalogue; `ticket_prefix` is the letter of its walk-in numbers. */
export interface ShopServicesTable {
  id: Generated<number>;
  code: string;
  name: string;
  ticket_prefix: string;
  duration_minutes: number;
  buffer_minutes: number;
  /** JSON array of the skills an advisor needs to serve it. */
  skills: string;
  bookable: number;
  walk_in: number;
  active: Generated<number>;
  created_at: number;
}

export interface ShopOfferedServicesTable {
  shop_id: number;
  service_id: number;
}

/** Who works where and when, shop-local: weekly on `weekday`, or once on `date` (exactly one is set). */
export interface ShopShiftsTable {
  id: Generated<number>;
  shop_id: number;
  advisor_id: number;
  weekday: number | null;
  date: string | null;
  starts: string;
  ends: string;
  desk_id: number | null;
}

export interface ShopAppointmentsTable {
  id: Generated<number>;
  shop_id: number;
  service_id: number;
  customer_id: number;
  conversation_id: number | null;
  desk_id: number | null;
  advisor_id: number | null;
  starts_at: number;
  ends_at: number;
  /** booked, checked-in, serving, served, no-show, cancelled. */
  status: string;
  /** Grows on every reschedule; a link or reminder of an earlier version is stale. */
  version: Generated<number>;
  name: string;
  email: string | null;
  phone: string | null;
  notes: Generated<string>;
  checked_in_at: number | null;
  cancelled_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Time held on a desk or advisor outside appointments (a walk-in served, a repair, staff time). */
export interface ShopReservationsTable {
  id: Generated<number>;
  shop_id: number;
  advisor_id: number | null;
  desk_id: number | null;
  starts_at: number;
  ends_at: number;
  reason: string;
  /** 'ticket', 'repair' or 'staff'. */
  source_type: string;
  source_id: number | null;
  created_at: number;
}

/** A five-minute cell of a resource ('desk:<id>', 'advisor:<id>'), held by one owner at most. */
export interface ShopClaimsTable {
  resource: string;
  cell_at: number;
  /** 'appointment' or 'reservation'. */
  owner_type: string;
  owner_id: number;
}

/** A walk-in ticket, numbered per shop, service and shop-local day. */
export interface ShopTicketsTable {
  id: Generated<number>;
  shop_id: number;
  service_id: number;
  /** "yyyy-MM-dd" in the shop's time zone. */
  day: string;
  number: number;
  code: string;
  customer_id: number | null;
  conversation_id: number | null;
  appointment_id: number | null;
  phone: string | null;
  email: string | null;
  /** waiting, called, serving, served, no-show, cancelled. */
  status: string;
  desk_id: number | null;
  advisor_id: number | null;
  waiting_since: number;
  first_called_at: number | null;
  last_called_at: number | null;
  recalls: Generated<number>;
  serving_at: number | null;
  finished_at: number | null;
  estimate_minutes: number | null;
  near_notified_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface ShopTicketCountersTable {
  shop_id: number;
  service_id: number;
  day: string;
  last_number: number;
}

/** A call the board shows and announces (recalls included). */
export interface ShopBoardCallsTable {
  id: Generated<number>;
  shop_id: number;
  ticket_id: number;
  desk_id: number | null;
  code: string;
  desk_name: string;
  called_at: number;
}

/** A desk open in one browser; another browser asks to take it over. */
export interface ShopDeskSessionsTable {
  desk_id: number;
  advisor_id: number;
  session_key: string;
  opened_at: number;
  seen_at: number;
}

export interface ShopRepairsTable {
  id: Generated<number>;
  shop_id: number;
  customer_id: number;
  conversation_id: number | null;
  ticket_id: number | null;
  advisor_id: number | null;
  device: string;
  serial_number: string;
  fault: string;
  condition: string;
  /** JSON array of what was left with the device. */
  accessories: string;
  /** draft, received, diagnosing, waiting-for-parts, repaired, ready-for-pickup, collected. */
  status: string;
  estimate_cents: number | null;
  estimate_currency: string | null;
  estimate_note: string | null;
  /** none, proposed, accepted, declined. */
  estimate_state: string;
  estimate_decided_at: number | null;
  due_at: number | null;
  /** 'sms' or 'email', as the customer asked at the desk; null: the channel they last used. */
  notify_channel: string | null;
  created_at: number;
  updated_at: number;
}

export interface ShopRepairPhotosTable {
  id: Generated<number>;
  repair_id: number;
  blob_sha256: string;
  name: string;
  content_type: string;
  created_at: number;
}

export interface ShopRepairStepsTable {
  id: Generated<number>;
  repair_id: number;
  status: string;
  advisor_id: number | null;
  note: string;
  /** The message that told the customer, or null for a silent step. */
  interaction_id: number | null;
  at: number;
}

/** An advisor's saved view of cases: its filters (JSON), optionally shared with a team (0310-views). */
export interface SavedViewsTable {
  id: Generated<number>;
  advisor_id: number;
  name: string;
  filters: string;
  shared_team_id: number | null;
  created_at: number;
  updated_at: number;
}
export type SavedViewRow = Selectable<SavedViewsTable>;

/** When an advisor last read a case, and whether they marked it unread since (0310-views). */
export interface CaseReadsTable {
  advisor_id: number;
  conversation_id: number;
  read_at: number;
  unread: number;
}

/** The shop a visit an advisor logged on a case took place in (0310-views). */
export interface LoggedVisitsTable {
  interaction_id: number;
  shop_id: number;
}

/** The time zone a team's written-channel clocks count its hours in (migration 0350). */
export interface TeamCalendarsTable {
  team_id: number;
  time_zone: string;
  updated_at: number;
}

/** One weekly opening of a team (local "HH:MM"; closes may be "24:00"). */
export interface TeamHoursTable {
  team_id: number;
  weekday: number;
  opens: string;
  closes: string;
}

/** A local date a team does not work (its written-channel clocks stand still). */
export interface TeamHolidaysTable {
  team_id: number;
  date: string;
  name: string;
}

/** An advisor declined this item: not offered it again before `until` (0290-offer-declines). */
export interface OfferDeclinesTable {
  work_item_id: number;
  advisor_id: number;
  declined_at: number;
  until: number;
}
/** An advisor on a case right now (viewing, maybe typing), until `expires_at` (see `audit/case-presence.ts`). */
export interface CasePresenceTable {
  conversation_id: number;
  advisor_id: number;
  /** Typing until then (a past time: only viewing). */
  typing_until: number;
  expires_at: number;
}

/** An advisor's own settings; `alerts` is JSON (`advisors/personal-settings.ts`). */
export interface AdvisorSettingsTable {
  advisor_id: number;
  alerts: string;
  updated_at: number;
}

/** One merge of a customer record into another, with exactly what moved, so it can be undone. */
export interface CustomerMergesTable {
  id: Generated<number>;
  target_id: number;
  source_id: number;
  merged_by: number | null;
  merged_at: number;
  /** JSON: ids of the identities, cases, interactions, work items and merged records that moved. */
  moved: string;
  /** JSON: the kept record's name, owner, last advisor, language and consent before the merge. */
  target_before: string;
  undone_at: number | null;
  undone_by: number | null;
}

/** A set-password link (an invitation or a reset): single use, until it expires; only its hash is kept. */
export interface PasswordLinksTable {
  id: Generated<number>;
  advisor_id: number;
  token_hash: string;
  purpose: string;
  created_by: number | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** How much of an action a role or a person may grant alone (see `authority/authority.ts`). */
export interface AuthorityLimitsTable {
  id: Generated<number>;
  kind: string;
  subject: string;
  currency: string;
  max_minor: number;
  updated_at: number;
}

/** A team's budget for a month in one currency, and how much of it is used. */
export interface TeamBudgetsTable {
  id: Generated<number>;
  team_id: number;
  month: string;
  currency: string;
  amount_minor: number;
  used_minor: number;
  updated_at: number;
}

/** A goodwill credit, refund, discount, replacement or contract offer, asked for on a case. */
export interface AuthorityActionsTable {
  id: Generated<number>;
  conversation_id: number;
  customer_id: number;
  advisor_id: number;
  team_id: number | null;
  kind: string;
  amount_minor: number;
  currency: string;
  terms: string;
  reason: string;
  state: string;
  waits_for: string | null;
  month: string;
  expires_at: number | null;
  decided_by: number | null;
  decided_at: number | null;
  decision_note: string | null;
  billing_state: string | null;
  billing_detail: string | null;
  created_at: number;
  updated_at: number;
}
