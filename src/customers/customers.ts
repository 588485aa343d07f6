import type { Kysely } from 'kysely';
import type { Database, CustomerRow } from '../platform/db/schema.ts';
import type { StorageDialect } from '../platform/db/dialects/storage-dialect.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound, RetryableConflict } from '../platform/errors.ts';
import { searchWords } from '../platform/db/text-search.ts';
import { normalisePhone } from '../channels/addresses.ts';
import { searchTextOf, type ContactPoints, type Identity, identitiesOf } from './identities.ts';
import type { Consent, ConsentChannel, Customer } from '../api-types/customers.ts';
import { customerScope, type Viewer } from '../advisors/access.ts';
import type { Channel } from '../channels/channel.ts';

export const consentChannels = [
  'email',
  'sms',
  'phone',
  'chat',
  'social',
  'marketing',
] as const satisfies readonly ConsentChannel[];

/**
 * Unknown on every channel until the customer gives it: by writing to us on a channel, by handing
 * us a contact point (a form, the counter, an advisor noting it), or by an advisor recording it.
 */
export const defaultConsent: Consent = {
  email: null,
  sms: null,
  phone: null,
  chat: null,
  social: null,
  marketing: null,
};

/** The consent flag each channel's messages need; shop visits need none. */
export const consentOfChannel: Readonly<Record<Channel, ConsentChannel | null>> = {
  email: 'email',
  sms: 'sms',
  voice: 'phone',
  chat: 'chat',
  social: 'social',
  shop: null,
};

/** A stored consent (JSON), every channel present: a channel never recorded is unknown. */
export function consentFrom(json: string): Consent {
  return { ...defaultConsent, ...(JSON.parse(json) as Partial<Consent>) };
}

/**
 * What handing us contact points says: an email address given is agreement to service email on it,
 * a phone number to SMS and calls, a handle to social messages. Nothing else, never marketing.
 */
function consentGivenBy(identities: readonly Identity[]): Partial<Consent> {
  const given: Partial<Record<ConsentChannel, boolean>> = {};
  for (const identity of identities) {
    if (identity.network === unverifiedNetwork) continue;
    if (identity.kind === 'email') given.email = true;
    if (identity.kind === 'phone') given.sms = given.phone = true;
    if (identity.kind === 'social') given.social = true;
  }
  return given;
}

function toCustomer(row: CustomerRow, identities: Identity[]): Customer {
  return {
    id: row.id,
    displayName: row.display_name,
    language: row.language,
    consent: consentFrom(row.consent),
    ownerId: row.owner_id,
    lastAdvisorId: row.last_advisor_id,
    mergedIntoId: row.merged_into_id,
    erased: row.erased_at !== null,
    identities,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

async function identitiesFor(
  db: Kysely<Database>,
  customerIds: readonly number[],
): Promise<Map<number, Identity[]>> {
  const map = new Map<number, Identity[]>();
  if (customerIds.length === 0) return map;
  const rows = await db
    .selectFrom('identities')
    .select(['customer_id', 'kind', 'network', 'value'])
    .where('customer_id', 'in', customerIds)
    .orderBy('id')
    .execute();
  for (const row of rows) {
    const list = map.get(row.customer_id) ?? [];
    list.push({ kind: row.kind as Identity['kind'], network: row.network, value: row.value });
    map.set(row.customer_id, list);
  }
  return map;
}

/** Loads one customer with identities, or throws NotFound. */
export async function getCustomer(db: Kysely<Database>, id: number): Promise<Customer> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw new NotFound('customer');
  const identities = await identitiesFor(db, [id]);
  return toCustomer(row, identities.get(id) ?? []);
}

/**
 * Throws NotFound unless the customer exists and is in the viewer's scope: out of scope answers
 * exactly like a missing record, so another team's customers cannot even be probed for.
 */
export async function requireVisibleCustomer(
  db: Kysely<Database>,
  id: number,
  viewer: Viewer,
): Promise<void> {
  const row = await db
    .selectFrom('customers')
    .select('id')
    .where('id', '=', id)
    .where(customerScope(viewer))
    .executeTakeFirst();
  if (!row) throw new NotFound('customer');
}

/** Keeps, in order, the ids of the customers the viewer may see. */
async function visibleIds(
  db: Kysely<Database>,
  ids: readonly number[],
  viewer: Viewer,
): Promise<number[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('customers')
    .select('id')
    .where('id', 'in', ids)
    .where(customerScope(viewer))
    .execute();
  const seen = new Set(rows.map((r) => r.id));
  return ids.filter((id) => seen.has(id));
}

/** Loads many customers at once, in the order given. */
export async function getCustomers(
  db: Kysely<Database>,
  ids: readonly number[],
): Promise<Customer[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('customers').selectAll().where('id', 'in', ids).execute();
  const identities = await identitiesFor(db, ids);
  const byId = new Map(rows.map((r) => [r.id, toCustomer(r, identities.get(r.id) ?? [])]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** Rewrites the words a customer is found by, after a change of name or identities. */
export async function refreshSearchText(unit: Unit, customerId: number): Promise<void> {
  const row = await unit.db
    .selectFrom('customers')
    .select('display_name')
    .where('id', '=', customerId)
    .executeTakeFirstOrThrow();
  const identities = (await identitiesFor(unit.db, [customerId])).get(customerId) ?? [];
  await unit.db
    .updateTable('customers')
    .set({ search_text: searchTextOf(row.display_name, identities), updated_at: unit.now })
    .where('id', '=', customerId)
    .execute();
}

/** Attaches identities to a customer; an identity that already belongs to someone else is left alone and reported. */
async function linkIdentities(
  unit: Unit,
  customerId: number,
  identities: readonly Identity[],
): Promise<Identity[]> {
  const linked: Identity[] = [];
  for (const identity of identities) {
    const inserted = await unit.db
      .insertInto('identities')
      .values({
        customer_id: customerId,
        kind: identity.kind,
        network: identity.network,
        value: identity.value,
        created_at: unit.now,
      })
      .onConflict((oc) => oc.columns(['kind', 'network', 'value']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (inserted) linked.push(identity);
  }
  return linked;
}

export interface NewCustomer {
  readonly displayName: string;
  readonly language?: string | undefined;
  readonly identities: readonly Identity[];
}

/** Creates a customer with identities; an identity already known is a Conflict naming it. */
export async function createCustomer(
  unit: Unit,
  input: NewCustomer,
  actor: Actor,
): Promise<number> {
  const customerId = await insertCustomer(unit, input.displayName, input.language ?? null, {
    ...defaultConsent,
    ...consentGivenBy(input.identities),
  });
  const linked = await linkIdentities(unit, customerId, input.identities);
  if (linked.length !== input.identities.length) {
    const taken = input.identities.find((i) => !linked.includes(i))!;
    throw new Conflict(`the ${taken.kind} ${taken.value} already belongs to another customer`);
  }
  await refreshSearchText(unit, customerId);
  await unit.record({
    type: 'customer.created',
    actor,
    entity: { type: 'customer', id: customerId },
    scope: { customerId },
    after: { displayName: input.displayName, identities: input.identities },
  });
  return customerId;
}

async function insertCustomer(
  unit: Unit,
  displayName: string,
  language: string | null,
  consent: Consent,
): Promise<number> {
  const row = await unit.db
    .insertInto('customers')
    .values({
      display_name: displayName,
      language,
      consent: JSON.stringify(consent),
      owner_id: null,
      last_advisor_id: null,
      merged_into_id: null,
      erased_at: null,
      search_text: displayName,
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface Resolution {
  readonly customerId: number;
  readonly created: boolean;
}

/**
 * Finds the customer behind an inbound contact, or creates one. Identities not yet known are linked
 * to the customer found (a known phone arriving with a new email keeps one customer). When two known
 * identities point at two customers, the strongest (phone, then email…) wins and nothing is merged.
 */
/** The network of identities whose owner could not be verified (see `resolveCustomer`). */
export const unverifiedNetwork = 'unverified';

export async function resolveCustomer(
  unit: Unit,
  points: ContactPoints,
  options: {
    readonly displayName?: string | undefined;
    readonly defaultRegion: string;
    readonly actor: Actor;
    /**
     * The sender is not verified (an email failing DMARC): its identities are kept apart under
     * the network `unverified`, so it never lands on, or merges into, the customer it claims to be.
     */
    readonly unverified?: boolean | undefined;
    /**
     * The channel the contact arrived on: the customer wrote to us there, so replies on it are
     * agreed (and only there). Absent, the contact points they handed us are (`consentGivenBy`).
     */
    readonly channel?: Channel | undefined;
  },
): Promise<Resolution> {
  const identities = identitiesOf(points, options.defaultRegion).map((i) =>
    options.unverified ? { ...i, network: unverifiedNetwork } : i,
  );
  if (identities.length === 0)
    throw new Invalid('from', 'needs at least one of email, phone, social or external');
  const known = await unit.db
    .selectFrom('identities')
    .innerJoin('customers', 'customers.id', 'identities.customer_id')
    .select([
      'identities.customer_id',
      'identities.kind',
      'identities.network',
      'identities.value',
      'customers.merged_into_id',
    ])
    .where((eb) =>
      eb.or(
        identities.map((i) =>
          eb.and([
            eb('identities.kind', '=', i.kind),
            eb('identities.network', '=', i.network),
            eb('identities.value', '=', i.value),
          ]),
        ),
      ),
    )
    .execute();
  const strongest = identities.find((i) =>
    known.some((k) => k.kind === i.kind && k.network === i.network && k.value === i.value),
  );
  if (strongest) {
    const match = known.find(
      (k) =>
        k.kind === strongest.kind && k.network === strongest.network && k.value === strongest.value,
    )!;
    const customerId = match.merged_into_id ?? match.customer_id;
    const unknown = identities.filter(
      (i) =>
        !known.some((k) => k.kind === i.kind && k.network === i.network && k.value === i.value),
    );
    if (unknown.length > 0) {
      const linked = await linkIdentities(unit, customerId, unknown);
      if (linked.length !== unknown.length)
        throw new RetryableConflict('identity taken concurrently');
      await refreshSearchText(unit, customerId);
      await unit.record({
        type: 'customer.identities-linked',
        actor: options.actor,
        entity: { type: 'customer', id: customerId },
        scope: { customerId },
        after: { identities: linked },
      });
    }
    await agreeToChannelUsed(unit, customerId, options.channel, options.actor);
    return { customerId, created: false };
  }
  const displayName = options.displayName?.trim() || fallbackName(identities[0]!);
  const flag = options.channel === undefined ? undefined : consentOfChannel[options.channel];
  const customerId = await insertCustomer(unit, displayName, null, {
    ...defaultConsent,
    // A shop visit has no flag of its own: the contact points handed over at the counter count.
    ...(flag === undefined || flag === null ? consentGivenBy(identities) : { [flag]: true }),
  });
  const linked = await linkIdentities(unit, customerId, identities);
  // Another writer linked one of these identities since we looked: start the unit again.
  if (linked.length !== identities.length)
    throw new RetryableConflict('identity taken concurrently');
  await unit.db
    .updateTable('customers')
    .set({ search_text: searchTextOf(displayName, identities) })
    .where('id', '=', customerId)
    .execute();
  await unit.record({
    type: 'customer.created',
    actor: options.actor,
    entity: { type: 'customer', id: customerId },
    scope: { customerId },
    after: { displayName, identities },
  });
  return { customerId, created: true };
}

/** A customer writing on a channel whose consent is unknown agrees to replies there; a no stays a no. */
async function agreeToChannelUsed(
  unit: Unit,
  customerId: number,
  channel: Channel | undefined,
  actor: Actor,
): Promise<void> {
  const flag = channel === undefined ? null : consentOfChannel[channel];
  if (flag === null) return;
  const row = await unit.db
    .selectFrom('customers')
    .select('consent')
    .where('id', '=', customerId)
    .executeTakeFirstOrThrow();
  const before = consentFrom(row.consent);
  if (before[flag] !== null) return;
  const after: Consent = { ...before, [flag]: true };
  await unit.db
    .updateTable('customers')
    .set({ consent: JSON.stringify(after) })
    .where('id', '=', customerId)
    .execute();
  await unit.record({
    type: 'customer.consent-changed',
    actor,
    entity: { type: 'customer', id: customerId },
    scope: { customerId },
    before,
    after,
  });
}

function fallbackName(identity: Identity): string {
  if (identity.kind === 'email') return identity.value.split('@')[0]!;
  if (identity.kind === 'social') return `@${identity.value}`;
  return identity.value;
}

/** Changes a customer's name, language or owner (an active person, or null for nobody). */
export async function updateCustomer(
  unit: Unit,
  id: number,
  changes: {
    readonly displayName?: string | undefined;
    readonly language?: string | null | undefined;
    readonly ownerId?: number | null | undefined;
  },
  actor: Actor,
): Promise<void> {
  const before = await unit.db
    .selectFrom('customers')
    .select(['display_name', 'language', 'owner_id', 'erased_at', 'merged_into_id'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!before || before.erased_at !== null) throw new NotFound('customer');
  if (before.merged_into_id !== null)
    throw new Conflict('this record was merged into another customer: change that one');
  const displayName = changes.displayName?.trim();
  if (displayName !== undefined && displayName.length === 0)
    throw new Invalid('displayName', 'must not be blank');
  if (changes.ownerId !== undefined && changes.ownerId !== null) {
    const owner = await unit.db
      .selectFrom('advisors')
      .select('active')
      .where('id', '=', changes.ownerId)
      .executeTakeFirst();
    if (!owner || owner.active !== 1)
      throw new Invalid('ownerId', 'must be an active person of the team');
  }
  await unit.db
    .updateTable('customers')
    .set({
      ...(displayName !== undefined ? { display_name: displayName } : {}),
      ...(changes.language !== undefined ? { language: changes.language } : {}),
      ...(changes.ownerId !== undefined ? { owner_id: changes.ownerId } : {}),
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .execute();
  if (displayName !== undefined) await refreshSearchText(unit, id);
  await unit.record({
    type: 'customer.updated',
    actor,
    entity: { type: 'customer', id },
    scope: { customerId: id },
    before: {
      displayName: before.display_name,
      language: before.language,
      ownerId: before.owner_id,
    },
    after: { ...changes, ...(displayName !== undefined ? { displayName } : {}) },
  });
}

/** Adds one identity to a customer; Conflict when it already belongs to someone. */
export async function addIdentity(
  unit: Unit,
  id: number,
  identity: Identity,
  actor: Actor,
): Promise<void> {
  await requireLiveCustomer(unit.db, id);
  const linked = await linkIdentities(unit, id, [identity]);
  if (linked.length === 0)
    throw new Conflict(`the ${identity.kind} ${identity.value} already belongs to a customer`);
  await refreshSearchText(unit, id);
  await unit.record({
    type: 'customer.identities-linked',
    actor,
    entity: { type: 'customer', id },
    scope: { customerId: id },
    after: { identities: [identity] },
  });
}

/** Removes one identity from a customer; NotFound when the customer does not hold it. */
export async function removeIdentity(
  unit: Unit,
  id: number,
  identity: Identity,
  actor: Actor,
): Promise<void> {
  await requireLiveCustomer(unit.db, id);
  const removed = await unit.db
    .deleteFrom('identities')
    .where('customer_id', '=', id)
    .where('kind', '=', identity.kind)
    .where('network', '=', identity.network)
    .where('value', '=', identity.value)
    .executeTakeFirst();
  if (Number(removed.numDeletedRows) === 0) throw new NotFound('identity');
  await refreshSearchText(unit, id);
  await unit.record({
    type: 'customer.identity-removed',
    actor,
    entity: { type: 'customer', id },
    scope: { customerId: id },
    before: { identities: [identity] },
  });
}

/** Records what the customer agreed to be contacted on (null: back to unknown). */
export async function setConsent(
  unit: Unit,
  id: number,
  changes: Partial<Consent>,
  actor: Actor,
): Promise<Consent> {
  const row = await requireLiveCustomer(unit.db, id);
  const before = consentFrom(row.consent);
  const after: Consent = { ...before, ...changes };
  await unit.db
    .updateTable('customers')
    .set({ consent: JSON.stringify(after), updated_at: unit.now })
    .where('id', '=', id)
    .execute();
  await unit.record({
    type: 'customer.consent-changed',
    actor,
    entity: { type: 'customer', id },
    scope: { customerId: id },
    before,
    after,
  });
  return after;
}

/** Loads a customer still in use (neither erased nor merged away), or throws NotFound. */
export async function requireLiveCustomer(db: Kysely<Database>, id: number): Promise<CustomerRow> {
  const row = await db.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.erased_at !== null || row.merged_into_id !== null) throw new NotFound('customer');
  return row;
}

/** Everything Rapport holds about a customer, for a data-access request. */
export async function exportCustomer(
  db: Kysely<Database>,
  id: number,
  now: number,
): Promise<Record<string, unknown>> {
  const customer = await getCustomer(db, id);
  const conversations = await db
    .selectFrom('conversations')
    .selectAll()
    .where('customer_id', '=', id)
    .orderBy('id')
    .execute();
  const interactions = await db
    .selectFrom('interactions')
    .selectAll()
    .where('customer_id', '=', id)
    .orderBy('id')
    .execute();
  const events = await db
    .selectFrom('events')
    .selectAll()
    .where('customer_id', '=', id)
    .orderBy('id')
    .execute();
  return {
    exportedAt: new Date(now).toISOString(),
    customer,
    conversations,
    interactions: interactions.map((i) => ({
      ...i,
      attachments: JSON.parse(i.attachments) as unknown,
    })),
    events: events.map((e) => ({
      ...e,
      before: e.before && (JSON.parse(e.before) as unknown),
      after: e.after && (JSON.parse(e.after) as unknown),
    })),
  };
}

/** Every string in a JSON value replaced, its shape, numbers and flags kept: what happened, not to whom. */
function redacted(value: unknown): unknown {
  if (typeof value === 'string') return '[erased]';
  if (Array.isArray(value)) return value.map(redacted);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redacted(v)]));
  return value;
}

/** Whether a remembered JSON answer names one of the ids under one of the keys. */
function namesAny(body: string, keys: readonly string[], ids: ReadonlySet<number>): boolean {
  for (const key of keys)
    for (const match of body.matchAll(new RegExp(`"${key}":(\\d+)`, 'g')))
      if (ids.has(Number(match[1]))) return true;
  return false;
}

/**
 * Anonymises a customer (with those merged into them): identities go; texts, subjects, addresses,
 * callback numbers, delivery reasons and remembered answers are blanked or dropped; the events
 * stay, emptied of personal data; the full-text indexes are rewritten without the erased words.
 */
/**
 * An erased customer's mail: the raw sources and files of their messages (unless another customer's
 * message holds the same bytes), what was read from them, and their cases' reply tokens.
 */
async function eraseStoredMail(
  unit: Unit,
  interactionIds: readonly number[],
  conversationIds: readonly number[],
): Promise<void> {
  if (conversationIds.length > 0)
    await unit.db
      .deleteFrom('reply_tokens')
      .where('conversation_id', 'in', conversationIds)
      .execute();
  if (interactionIds.length === 0) return;
  const raws = await unit.db
    .selectFrom('email_messages')
    .select('raw_sha256')
    .where('interaction_id', 'in', interactionIds)
    .execute();
  const files = await unit.db
    .selectFrom('interactions')
    .select('attachments')
    .where('id', 'in', interactionIds)
    .where('attachments', '!=', '[]')
    .execute();
  const hashes = new Set([
    ...raws.map((r) => r.raw_sha256),
    ...files.flatMap((f) =>
      (JSON.parse(f.attachments) as { id?: string }[]).flatMap((a) => (a.id ? [a.id] : [])),
    ),
  ]);
  await unit.db
    .deleteFrom('email_messages')
    .where('interaction_id', 'in', interactionIds)
    .execute();
  for (const sha256 of hashes) {
    const stillHeld = await unit.db
      .selectFrom('email_messages')
      .select('id')
      .where('raw_sha256', '=', sha256)
      .executeTakeFirst();
    const stillAttached = await unit.db
      .selectFrom('interactions')
      .select('id')
      .where('id', 'not in', interactionIds)
      .where('attachments', 'like', `%${sha256}%`)
      .executeTakeFirst();
    if (!stillHeld && !stillAttached)
      await unit.db.deleteFrom('blobs').where('sha256', '=', sha256).execute();
  }
}

/**
 * An erased customer's website chat visits (the pages they were seen on, the company's user id) and
 * phone calls (their number and the recordings): in the erasure's own unit, so an erasure by the
 * command line, with no server listening, leaves nothing behind either.
 */
async function eraseVisitsAndCalls(unit: Unit, customerIds: readonly number[]): Promise<void> {
  const visitors = unit.db
    .selectFrom('chat_visitors')
    .select('id')
    .where('customer_id', 'in', customerIds);
  await unit.db.deleteFrom('chat_pages').where('visitor_id', 'in', visitors).execute();
  await unit.db
    .updateTable('chat_visitors')
    .set({ user_id: null })
    .where('customer_id', 'in', customerIds)
    .execute();
  // Their calls' recordings and voicemail, fetched from the provider and kept as blobs, go too.
  const recordings = await unit.db
    .selectFrom('calls')
    .select('recording_sha256')
    .where('customer_id', 'in', customerIds)
    .where('recording_sha256', 'is not', null)
    .execute();
  await unit.db
    .updateTable('calls')
    .set({
      recording_url: null,
      recording_sid: null,
      recording_sha256: null,
      recording_state: null,
    })
    .where('customer_id', 'in', customerIds)
    .execute();
  for (const { recording_sha256: sha256 } of recordings) {
    const stillHeld = await unit.db
      .selectFrom('calls')
      .select('id')
      .where('recording_sha256', '=', sha256)
      .executeTakeFirst();
    const stillAttached = await unit.db
      .selectFrom('interactions')
      .select('id')
      .where('customer_id', 'not in', customerIds)
      .where('attachments', 'like', `%${sha256!}%`)
      .executeTakeFirst();
    if (!stillHeld && !stillAttached)
      await unit.db.deleteFrom('blobs').where('sha256', '=', sha256!).execute();
  }
  await unit.db
    .updateTable('calls')
    .set({ from_number: '[erased]', recording_url: null })
    .where('customer_id', 'in', customerIds)
    .where('direction', '=', 'inbound')
    .execute();
  await unit.db
    .updateTable('calls')
    .set({ to_number: '[erased]', recording_url: null })
    .where('customer_id', 'in', customerIds)
    .where('direction', '=', 'outbound')
    .execute();
}

export async function eraseCustomer(
  unit: Unit,
  id: number,
  actor: Actor,
  textSearch: Pick<StorageDialect, 'purgeRemovedText'>,
): Promise<void> {
  const row = await unit.db
    .selectFrom('customers')
    .select(['erased_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('customer');
  if (row.erased_at !== null) throw new Conflict('customer already erased');
  // Customers merged into this one are the same person: their records go too.
  const customerIds = [id];
  for (let next = [id]; next.length > 0;) {
    next = (
      await unit.db
        .selectFrom('customers')
        .select('id')
        .where('merged_into_id', 'in', next)
        .execute()
    ).map((c) => c.id);
    customerIds.push(...next);
  }
  const people = await unit.db
    .selectFrom('customers')
    .select('display_name')
    .where('id', 'in', customerIds)
    .execute();
  const identities = await unit.db
    .selectFrom('identities')
    .select('value')
    .where('customer_id', 'in', customerIds)
    .execute();
  const conversationIds = (
    await unit.db
      .selectFrom('conversations')
      .select('id')
      .where('customer_id', 'in', customerIds)
      .execute()
  ).map((c) => c.id);
  const interactionIds = (
    await unit.db
      .selectFrom('interactions')
      .select('id')
      .where('customer_id', 'in', customerIds)
      .execute()
  ).map((i) => i.id);
  const callbackNumbers = await unit.db
    .selectFrom('work_items')
    .select('callback_number')
    .where('customer_id', 'in', customerIds)
    .where('callback_number', 'is not', null)
    .execute();

  await unit.db.deleteFrom('identities').where('customer_id', 'in', customerIds).execute();
  await eraseStoredMail(unit, interactionIds, conversationIds);
  await eraseVisitsAndCalls(unit, customerIds);
  await unit.db
    .updateTable('interactions')
    // Addresses are personal data too: the customer's own, and whoever they copied.
    .set({
      text: '[erased]',
      html: null,
      attachments: '[]',
      from_address: null,
      to_address: null,
      cc: null,
      thread_id: null,
      delivery_reason: null,
      subject: null,
    })
    .where('customer_id', 'in', customerIds)
    .execute();
  if (interactionIds.length > 0) {
    // A provider's reason for a failed send may quote the address or the message.
    await unit.db
      .updateTable('delivery_events')
      .set({ reason: null })
      .where('interaction_id', 'in', interactionIds)
      .execute();
  }
  // The send jobs of their messages: a job's error and its events may quote the provider's reason.
  const jobIds: number[] = [];
  for (const interactionId of interactionIds)
    for (const job of await unit.db
      .selectFrom('jobs')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('payload', 'like', `%"interactionId":${interactionId},%`),
          eb('payload', 'like', `%"interactionId":${interactionId}}%`),
        ]),
      )
      .execute())
      jobIds.push(job.id);
  await unit.db
    .updateTable('conversations')
    .set({ subject: '[erased]' })
    .where('customer_id', 'in', customerIds)
    .execute();
  await unit.db
    .updateTable('work_items')
    .set({ callback_number: null })
    .where('customer_id', 'in', customerIds)
    .execute();
  await unit.db
    .updateTable('customers')
    .set({
      display_name: 'Erased customer',
      language: null,
      search_text: '',
      erased_at: unit.now,
      updated_at: unit.now,
    })
    .where('id', 'in', customerIds)
    .execute();

  // Audit history keeps that things happened, never to whom: each event about the customer, their
  // cases, their messages or the jobs that sent them keeps its row and shape, every text replaced.
  const events = await unit.db
    .selectFrom('events')
    .select(['id', 'before', 'after'])
    .where((eb) =>
      eb.or([
        eb('customer_id', 'in', customerIds),
        eb.and([eb('entity_type', '=', 'customer'), eb('entity_id', 'in', customerIds)]),
        ...(conversationIds.length > 0 ? [eb('conversation_id', 'in', conversationIds)] : []),
        ...(interactionIds.length > 0
          ? [eb.and([eb('entity_type', '=', 'interaction'), eb('entity_id', 'in', interactionIds)])]
          : []),
      ]),
    )
    .execute();
  const eventIds = events.map((e) => e.id);
  if (eventIds.length > 0) {
    // What a webhook receiver answered may echo the event it was sent.
    await unit.db
      .updateTable('webhook_deliveries')
      .set({ response_excerpt: null, error: null })
      .where('event_id', 'in', eventIds)
      .execute();
    const deliveries = await unit.db
      .selectFrom('webhook_deliveries')
      .select('job_id')
      .where('event_id', 'in', eventIds)
      .execute();
    jobIds.push(...deliveries.map((d) => d.job_id));
  }
  if (jobIds.length > 0) {
    await unit.db.updateTable('jobs').set({ last_error: null }).where('id', 'in', jobIds).execute();
    events.push(
      ...(await unit.db
        .selectFrom('events')
        .select(['id', 'before', 'after'])
        .where('entity_type', '=', 'job')
        .where('entity_id', 'in', jobIds)
        .execute()),
    );
  }
  const redact = (json: string | null) =>
    json === null ? null : JSON.stringify(redacted(JSON.parse(json) as unknown));
  for (const event of events)
    await unit.db
      .updateTable('events')
      .set({ before: redact(event.before), after: redact(event.after) })
      .where('id', '=', event.id)
      .execute();

  // Remembered answers (idempotency keys) that embed the customer, their cases or messages go.
  const values = [
    ...people.map((p) => p.display_name),
    ...identities.map((i) => i.value),
    ...callbackNumbers.map((c) => c.callback_number!),
  ]
    .filter((v) => v.length >= 3)
    .map((v) => JSON.stringify(v).slice(1, -1).toLowerCase());
  const customerSet = new Set(customerIds);
  const conversationSet = new Set(conversationIds);
  const interactionSet = new Set(interactionIds);
  const remembered = await unit.db
    .selectFrom('idempotency_keys')
    .select(['actor', 'key', 'response_body'])
    .execute();
  for (const answer of remembered) {
    const body = answer.response_body;
    const lower = body.toLowerCase();
    if (
      values.some((v) => lower.includes(v)) ||
      namesAny(body, ['customerId'], customerSet) ||
      namesAny(body, ['conversationId'], conversationSet) ||
      namesAny(body, ['interactionId'], interactionSet)
    )
      await unit.db
        .deleteFrom('idempotency_keys')
        .where('actor', '=', answer.actor)
        .where('key', '=', answer.key)
        .execute();
  }

  await textSearch.purgeRemovedText(unit.db);
  await unit.record({
    type: 'customer.erased',
    actor,
    entity: { type: 'customer', id },
    scope: { customerId: id },
  });
}

/**
 * The E.164 number a query names when it is a phone number as people write it ("090 7473 8064",
 * "(030) 12345", "+49 30 12345"), read in the company's region; null for anything else.
 */
export function phoneOfQuery(query: string, defaultRegion: string): string | null {
  const text = query.trim();
  if (!/^[+\d][\d\s()./-]{4,30}$/.test(text) || text.replace(/\D/g, '').length < 6) return null;
  try {
    return normalisePhone(text, defaultRegion);
  } catch {
    return null;
  }
}

/**
 * Full-text search over the names and identities of the customers the viewer may see, best first;
 * a phone number written in national format (read in `phoneRegion`) finds its E.164 identity first.
 */
export async function searchCustomers(
  db: Kysely<Database>,
  dialect: StorageDialect,
  query: string,
  limit: number,
  viewer: Viewer,
  phoneRegion?: string,
): Promise<Customer[]> {
  const words = searchWords(query);
  if (words.length === 0) return [];
  const phone = phoneRegion ? phoneOfQuery(query, phoneRegion) : null;
  const byPhone = phone
    ? (
        await db
          .selectFrom('identities')
          .select('customer_id')
          .where('kind', '=', 'phone')
          .where('value', '=', phone)
          .execute()
      ).map((r) => Number(r.customer_id))
    : [];
  const byText = await dialect.matchingCustomerIds(db, words, limit);
  const ids = [...new Set([...byPhone, ...byText])].slice(0, limit);
  return (await getCustomers(db, await visibleIds(db, ids, viewer))).filter(
    (c) => c.mergedIntoId === null && !c.erased,
  );
}

/** Lists the customers the viewer may see, most recently changed first, with a keyset cursor. */
export async function listCustomers(
  db: Kysely<Database>,
  viewer: Viewer,
  options: {
    readonly limit: number;
    readonly before?: { readonly updatedAt: number; readonly id: number } | undefined;
  },
): Promise<Customer[]> {
  let query = db
    .selectFrom('customers')
    .select('id')
    .where('merged_into_id', 'is', null)
    .where('erased_at', 'is', null)
    .where(customerScope(viewer));
  const before = options.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('updated_at', '<', before.updatedAt),
        eb.and([eb('updated_at', '=', before.updatedAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  const rows = await query
    .orderBy('updated_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .execute();
  return getCustomers(
    db,
    rows.map((r) => r.id),
  );
}

export type { Consent, ConsentChannel, Customer };
