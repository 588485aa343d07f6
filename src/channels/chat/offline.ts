/**
 * A chat answered by email: the offline form (out of hours, or nobody on shift) becomes a case, and
 * a visitor tired of waiting may leave an address to be answered there. The address is the
 * visitor's word: kept as an unverified contact point of the visitor's customer, never merged into
 * a customer it may belong to. Such cases carry the tag `answer-by-email`, which the desk shows.
 */
import { createHash } from 'node:crypto';
import type { Unit } from '../../platform/db/writer.ts';
import type { Actor } from '../../platform/events/event.ts';
import type { StorageDialect } from '../../platform/db/dialects/storage-dialect.ts';
import { Invalid } from '../../platform/errors.ts';
import { normaliseEmail } from '../addresses.ts';
import type { ContactPoints } from '../adapter.ts';
import { unverifiedNetwork } from '../../customers/customers.ts';
import { loadPolicies } from '../../routing/service-levels.ts';
import { receiveContact } from '../../contacts/contacts.ts';
import { nextOpening, parseChatHours, withinHours } from './hours.ts';

/** The tag of a chat case to be answered by email. */
export const answerByEmailTag = 'answer-by-email';

/** The provider of what the widget hands in (its messages and the offline form). */
const widgetProvider = 'widget';

/** Where an address the visitor gave ended up. */
export type RememberedEmail = 'added' | 'known' | 'elsewhere';

/**
 * Keeps an address the visitor gave as an unverified email of their customer: `known` when it is
 * already theirs (verified or not), `elsewhere` when another customer holds it unverified (it stays
 * there: the visitor's word never moves an address between customers).
 */
export async function rememberEmail(
  unit: Unit,
  customerId: number,
  email: string,
  actor: Actor,
): Promise<RememberedEmail> {
  const holders = await unit.db
    .selectFrom('identities')
    .select(['customer_id', 'network'])
    .where('kind', '=', 'email')
    .where('value', '=', email)
    .execute();
  if (holders.some((i) => Number(i.customer_id) === customerId)) return 'known';
  if (holders.some((i) => i.network === unverifiedNetwork)) return 'elsewhere';
  await unit.db
    .insertInto('identities')
    .values({
      customer_id: customerId,
      kind: 'email',
      network: unverifiedNetwork,
      value: email,
      created_at: unit.now,
    })
    .execute();
  await unit.record({
    type: 'customer.identities-linked',
    actor,
    entity: { type: 'customer', id: customerId },
    scope: { customerId },
    after: { identities: [{ kind: 'email', network: unverifiedNetwork, value: email }] },
  });
  return 'added';
}

/** Tags a case `answer-by-email` (once), recorded like any change of tags. */
export async function markAnswerByEmail(
  unit: Unit,
  conversationId: number,
  actor: Actor,
): Promise<void> {
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'customer_id', 'team_id', 'shop_id', 'owner_id'])
    .where('id', '=', conversationId)
    .executeTakeFirstOrThrow();
  const before = (
    await unit.db
      .selectFrom('conversation_tags')
      .select('tag')
      .where('conversation_id', '=', conversationId)
      .orderBy('tag')
      .execute()
  ).map((r) => r.tag);
  if (before.includes(answerByEmailTag)) return;
  await unit.db
    .insertInto('conversation_tags')
    .values({ conversation_id: conversationId, tag: answerByEmailTag })
    .onConflict((oc) => oc.columns(['conversation_id', 'tag']).doNothing())
    .execute();
  await unit.db
    .updateTable('conversations')
    .set({ updated_at: unit.now })
    .where('id', '=', conversationId)
    .execute();
  await unit.record({
    type: 'conversation.tagged',
    actor,
    entity: { type: 'conversation', id: conversationId },
    scope: {
      conversationId,
      customerId: conversation.customer_id,
      teamId: conversation.team_id,
      shopId: conversation.shop_id,
      ownerId: conversation.owner_id,
    },
    before: { tags: before },
    after: { tags: [...before, answerByEmailTag].sort() },
  });
}

/**
 * A waiting visitor would rather be answered by email: the address is kept (unverified) on their
 * customer and the case is tagged; the chat's work item keeps its place, so whoever takes it sees
 * the tag and may answer live if the visitor is still there, or by email.
 */
export async function continueByEmail(
  unit: Unit,
  visitor: { readonly customerId: number; readonly conversationId: number | null },
  rawEmail: string,
  actor: Actor,
): Promise<RememberedEmail> {
  if (visitor.conversationId === null)
    throw new Invalid('conversation', 'there is no chat to continue by email yet: write first');
  const email = normaliseEmail(rawEmail, 'email');
  const remembered = await rememberEmail(unit, visitor.customerId, email, actor);
  await markAnswerByEmail(unit, visitor.conversationId, actor);
  return remembered;
}

/** The offline form as the widget sends it. */
export interface OfflineMessage {
  readonly name?: string | undefined;
  readonly email: string;
  readonly text: string;
}

/** What the visitor is told: the case, and by when someone answers. */
export interface OfflineReceipt {
  readonly conversationId: number;
  /** ISO time: the next opening (or now, within hours) plus the email promise. */
  readonly answerBy: string;
  readonly duplicate: boolean;
}

/**
 * The offline form becomes a case of its own, an email case: it is answered by email, with email's
 * promise (the stored service level) counted from the next opening, or from now within hours. The
 * visitor's address is kept unverified on their customer; the case is tagged `answer-by-email`.
 * Sending the same form again (a retry) is the same case.
 */
export async function takeOfflineMessage(
  unit: Unit,
  input: {
    readonly account: {
      readonly id: number;
      readonly settings: Readonly<Record<string, unknown>>;
    };
    readonly visitor: { readonly id: number; readonly customerId: number };
    /** The visitor's customer as `receiveContact` finds it (their widget identity). */
    readonly from: ContactPoints;
    readonly message: OfflineMessage;
  },
  options: { readonly defaultRegion: string; readonly dialect: StorageDialect },
): Promise<OfflineReceipt> {
  const email = normaliseEmail(input.message.email, 'email');
  const text = input.message.text.trim();
  if (text.length === 0) throw new Invalid('text', 'must not be empty');
  const name = input.message.name?.trim() || null;
  const account = await unit.db
    .selectFrom('channel_accounts')
    .select('team_id')
    .where('id', '=', input.account.id)
    .executeTakeFirstOrThrow();
  const digest = createHash('sha256').update(`${email}\n${text}`).digest('hex').slice(0, 40);
  const actor: Actor = { type: 'channel', id: input.account.id };
  const received = await receiveContact(
    unit,
    {
      kind: 'email',
      from: input.from,
      text,
      subject: name ? `Message from the website: ${name}` : 'Message from the website',
      provider: widgetProvider,
      providerId: `offline:${input.visitor.id}:${digest}`,
      newCase: true,
      ...(account.team_id !== null ? { teamId: Number(account.team_id) } : {}),
    },
    { defaultRegion: options.defaultRegion, actor, dialect: options.dialect },
  );
  if (!received.duplicate) {
    await rememberEmail(unit, received.customerId, email, actor);
    await markAnswerByEmail(unit, received.conversationId, actor);
  }
  let hours = null;
  try {
    hours = parseChatHours(input.account.settings.hours);
  } catch {
    hours = null;
  }
  const from = withinHours(hours, unit.now) ? unit.now : (nextOpening(hours, unit.now) ?? unit.now);
  const promise = (await loadPolicies(unit.db)).email.thresholdMs;
  return {
    conversationId: received.conversationId,
    answerBy: new Date(from + promise).toISOString(),
    duplicate: received.duplicate,
  };
}
