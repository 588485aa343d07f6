/**
 * Authority to settle: an advisor grants a goodwill credit, refund, discount, free replacement or
 * contract offer on a case, on any channel, within the limit their role or they themselves have
 * and within their team's budget for the month; anything above waits for a supervisor's approval,
 * which can expire. Every step is an event on the case (`authority.*`): the company's billing
 * system hears `authority.granted` through an outbound webhook and answers with what it made of it.
 * Money is an integer count of the currency's minor units (cents), never a float.
 */
import { DateTime } from 'luxon';
import type { Kysely, Selectable } from 'kysely';
import type { Role } from '../api-types/people.ts';
import type { AuthorityActionsTable, Database } from '../platform/db/schema.ts';
import type { Unit } from '../platform/db/writer.ts';
import type { Actor } from '../platform/events/event.ts';
import { Conflict, Invalid, NotFound } from '../platform/errors.ts';

export const authorityKinds = [
  'goodwill_credit',
  'refund',
  'discount',
  'replacement',
  'contract_offer',
] as const;
export type AuthorityKind = (typeof authorityKinds)[number];

export type AuthorityState = 'granted' | 'pending' | 'approved' | 'refused' | 'expired';
/** Why an action waits for a supervisor. */
export type WaitsFor = 'over_limit' | 'over_budget';

/** How long an approval may wait before it expires, unless the caller says otherwise: a day. */
export const defaultApprovalTtlMs = 24 * 3_600_000;
/** The largest amount one action may carry: a million in the currency's major unit. */
export const maxAmountMinor = 100_000_000;

/** A contract offer's terms: its length, the window to cancel, and the discount it carries. */
export interface ContractTerms {
  readonly months: number;
  readonly cancelWindowDays: number;
  readonly discountPercent: number;
}

export interface AuthorityRequest {
  readonly conversationId: number;
  readonly kind: AuthorityKind;
  readonly amountMinor: number;
  readonly currency: string;
  readonly reason: string;
  /** Required for a contract offer; nothing else carries terms. */
  readonly terms?: ContractTerms;
}

export interface Requester {
  readonly id: number;
  readonly role: Role;
  readonly teamId: number | null;
}

export type AuthorityRow = Selectable<AuthorityActionsTable>;

/** The month an action draws on ('YYYY-MM'), in the centre's time zone. */
export function monthOf(now: number, timeZone: string): string {
  return DateTime.fromMillis(now, { zone: timeZone }).toFormat('yyyy-MM');
}

/**
 * Pure: whether an action of `amountMinor` is the advisor's to grant, given their limit and what is
 * left of the team's budget (`undefined`: the team has no budget set, so only the limit applies).
 */
export function decide(
  amountMinor: number,
  limitMinor: number,
  budgetLeftMinor: number | undefined,
): { grant: true } | { grant: false; waitsFor: WaitsFor } {
  if (amountMinor > limitMinor) return { grant: false, waitsFor: 'over_limit' };
  if (budgetLeftMinor !== undefined && amountMinor > budgetLeftMinor)
    return { grant: false, waitsFor: 'over_budget' };
  return { grant: true };
}

/**
 * The most this person may grant alone of `kind` in `currency`: their own limit when one is set,
 * else their role's, else nothing (every such action then waits for approval).
 */
export async function limitOf(
  db: Kysely<Database>,
  person: { readonly id: number; readonly role: Role },
  kind: AuthorityKind,
  currency: string,
): Promise<number> {
  const rows = await db
    .selectFrom('authority_limits')
    .select(['subject', 'max_minor'])
    .where('kind', '=', kind)
    .where('currency', '=', currency)
    .where('subject', 'in', [`advisor:${person.id}`, `role:${person.role}`])
    .execute();
  const own = rows.find((r) => r.subject === `advisor:${person.id}`);
  const role = rows.find((r) => r.subject === `role:${person.role}`);
  return Number((own ?? role)?.max_minor ?? 0);
}

/** Sets a role's or a person's limit for one kind and currency (an admin's setting). */
export async function setLimit(
  unit: Unit,
  subject: { readonly role: Role } | { readonly advisorId: number },
  kind: AuthorityKind,
  currency: string,
  maxMinor: number,
  actor: Actor,
): Promise<void> {
  checkMoney(maxMinor, currency, 'maxMinor', { zero: true });
  const key = 'role' in subject ? `role:${subject.role}` : `advisor:${subject.advisorId}`;
  await unit.db
    .insertInto('authority_limits')
    .values({ kind, subject: key, currency, max_minor: maxMinor, updated_at: unit.now })
    .onConflict((oc) =>
      oc
        .columns(['kind', 'subject', 'currency'])
        .doUpdateSet({ max_minor: maxMinor, updated_at: unit.now }),
    )
    .execute();
  await unit.record({
    type: 'authority.limit-set',
    actor,
    entity: { type: 'authority_limit', id: 0 },
    after: { subject: key, kind, currency, maxMinor },
  });
}

/** Sets a team's budget for a month in one currency; what is already used stays used. */
export async function setBudget(
  unit: Unit,
  teamId: number,
  month: string,
  currency: string,
  amountMinor: number,
  actor: Actor,
): Promise<void> {
  checkMoney(amountMinor, currency, 'amountMinor', { zero: true });
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month))
    throw new Invalid('month', 'must be a month such as 2026-12');
  await unit.db
    .insertInto('team_budgets')
    .values({
      team_id: teamId,
      month,
      currency,
      amount_minor: amountMinor,
      used_minor: 0,
      updated_at: unit.now,
    })
    .onConflict((oc) =>
      oc
        .columns(['team_id', 'month', 'currency'])
        .doUpdateSet({ amount_minor: amountMinor, updated_at: unit.now }),
    )
    .execute();
  await unit.record({
    type: 'authority.budget-set',
    actor,
    entity: { type: 'team', id: teamId },
    scope: { teamId },
    after: { month, currency, amountMinor },
  });
}

/** What is left of the team's budget for the month, or undefined when none is set. */
export async function budgetLeft(
  db: Kysely<Database>,
  teamId: number | null,
  month: string,
  currency: string,
): Promise<number | undefined> {
  if (teamId === null) return undefined;
  const row = await db
    .selectFrom('team_budgets')
    .select(['amount_minor', 'used_minor'])
    .where('team_id', '=', teamId)
    .where('month', '=', month)
    .where('currency', '=', currency)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.amount_minor) - Number(row.used_minor);
}

/**
 * Draws `amountMinor` from the team's budget, in one guarded update: two grants at once can never
 * overdraw it. Answers false when it does not fit; true when drawn or when no budget is set.
 */
async function draw(
  unit: Unit,
  teamId: number | null,
  month: string,
  currency: string,
  amountMinor: number,
): Promise<boolean> {
  if ((await budgetLeft(unit.db, teamId, month, currency)) === undefined) return true;
  const result = await unit.db
    .updateTable('team_budgets')
    .set((eb) => ({ used_minor: eb('used_minor', '+', amountMinor), updated_at: unit.now }))
    .where('team_id', '=', teamId!)
    .where('month', '=', month)
    .where('currency', '=', currency)
    .where((eb) => eb(eb('used_minor', '+', amountMinor), '<=', eb.ref('amount_minor')))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

function checkMoney(
  amountMinor: number,
  currency: string,
  field: string,
  options: { readonly zero?: boolean } = {},
): void {
  if (!/^[A-Z]{3}$/.test(currency))
    throw new Invalid('currency', 'must be a three-letter currency code such as EUR');
  if (!Number.isSafeInteger(amountMinor) || amountMinor < (options.zero ? 0 : 1))
    throw new Invalid(field, 'must be a whole number of cents, at least 1');
  if (amountMinor > maxAmountMinor) throw new Invalid(field, 'is more than one action may carry');
}

function checkTerms(kind: AuthorityKind, terms: ContractTerms | undefined): void {
  if (kind !== 'contract_offer') {
    if (terms !== undefined) throw new Invalid('terms', 'only a contract offer has terms');
    return;
  }
  if (terms === undefined) throw new Invalid('terms', 'a contract offer needs its terms');
  if (!Number.isInteger(terms.months) || terms.months < 1 || terms.months > 60)
    throw new Invalid('terms.months', 'must be 1 to 60 months');
  if (
    !Number.isInteger(terms.cancelWindowDays) ||
    terms.cancelWindowDays < 0 ||
    terms.cancelWindowDays > 365
  )
    throw new Invalid('terms.cancelWindowDays', 'must be 0 to 365 days');
  if (
    !Number.isInteger(terms.discountPercent) ||
    terms.discountPercent < 0 ||
    terms.discountPercent > 100
  )
    throw new Invalid('terms.discountPercent', 'must be 0 to 100');
}

/** What every `authority.*` event carries: enough to audit it alone. */
function auditOf(row: AuthorityRow, budgetLeftMinor: number | undefined) {
  return {
    kind: row.kind,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    terms: JSON.parse(row.terms) as unknown,
    reason: row.reason,
    conversationId: Number(row.conversation_id),
    customerId: Number(row.customer_id),
    advisorId: Number(row.advisor_id),
    state: row.state,
    waitsFor: row.waits_for,
    decidedBy: row.decided_by === null ? null : Number(row.decided_by),
    decisionNote: row.decision_note,
    month: row.month,
    budgetLeftMinor: budgetLeftMinor ?? null,
  };
}

const scopeOf = (row: AuthorityRow) => ({
  conversationId: Number(row.conversation_id),
  customerId: Number(row.customer_id),
  teamId: row.team_id === null ? null : Number(row.team_id),
  ownerId: Number(row.advisor_id),
});

async function rowOf(db: Kysely<Database>, id: number): Promise<AuthorityRow> {
  const row = await db
    .selectFrom('authority_actions')
    .selectAll()
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new NotFound('authority action');
  return row;
}

/**
 * An advisor asks for an action on a case: granted at once within their limit and their team's
 * budget (the budget drawn down, `authority.granted` recorded for billing), else waiting for a
 * supervisor's approval until `approvalTtlMs` from now (`authority.requested`).
 */
export async function requestAuthority(
  unit: Unit,
  request: AuthorityRequest,
  requester: Requester,
  options: { readonly timeZone: string; readonly approvalTtlMs?: number },
): Promise<AuthorityRow> {
  checkMoney(request.amountMinor, request.currency, 'amountMinor');
  checkTerms(request.kind, request.terms);
  const reason = request.reason.trim();
  if (!reason) throw new Invalid('reason', 'must say why');
  const conversation = await unit.db
    .selectFrom('conversations')
    .select(['id', 'customer_id'])
    .where('id', '=', request.conversationId)
    .executeTakeFirst();
  if (!conversation) throw new NotFound('case');
  const month = monthOf(unit.now, options.timeZone);
  const limit = await limitOf(unit.db, requester, request.kind, request.currency);
  const left = await budgetLeft(unit.db, requester.teamId, month, request.currency);
  let verdict = decide(request.amountMinor, limit, left);
  // The budget is drawn in the same step that checks it: a grant racing this one may have used it.
  if (
    verdict.grant &&
    !(await draw(unit, requester.teamId, month, request.currency, request.amountMinor))
  )
    verdict = { grant: false, waitsFor: 'over_budget' };
  const inserted = await unit.db
    .insertInto('authority_actions')
    .values({
      conversation_id: conversation.id,
      customer_id: conversation.customer_id,
      advisor_id: requester.id,
      team_id: requester.teamId,
      kind: request.kind,
      amount_minor: request.amountMinor,
      currency: request.currency,
      terms: JSON.stringify(request.terms ?? null),
      reason,
      state: verdict.grant ? 'granted' : 'pending',
      waits_for: verdict.grant ? null : verdict.waitsFor,
      month,
      expires_at: verdict.grant ? null : unit.now + (options.approvalTtlMs ?? defaultApprovalTtlMs),
      created_at: unit.now,
      updated_at: unit.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const row = await rowOf(unit.db, inserted.id);
  await unit.record({
    type: verdict.grant ? 'authority.granted' : 'authority.requested',
    actor: { type: 'advisor', id: requester.id },
    entity: { type: 'authority_action', id: row.id },
    scope: scopeOf(row),
    after: auditOf(row, await budgetLeft(unit.db, requester.teamId, month, request.currency)),
  });
  return row;
}

/**
 * A supervisor approves or refuses a waiting action, with a note. Approved, it draws on the
 * requester's team budget for the action's month like a grant does (a budget that cannot cover it
 * refuses the approval: raise the budget first) and `authority.granted` goes to billing.
 */
export async function decideAuthority(
  unit: Unit,
  id: number,
  decision: { readonly approve: boolean; readonly note: string },
  supervisorId: number,
): Promise<AuthorityRow> {
  const row = await rowOf(unit.db, id);
  if (row.state !== 'pending')
    throw new Conflict(`this action is ${row.state}, not waiting for approval`);
  if (row.expires_at !== null && Number(row.expires_at) <= unit.now)
    throw new Conflict('this approval has expired');
  const note = decision.note.trim();
  if (!decision.approve && !note) throw new Invalid('note', 'must say why it is refused');
  const teamId = row.team_id === null ? null : Number(row.team_id);
  if (
    decision.approve &&
    !(await draw(unit, teamId, row.month, row.currency, Number(row.amount_minor)))
  )
    throw new Conflict(`the team's ${row.month} budget cannot cover it: raise the budget first`);
  const state: AuthorityState = decision.approve ? 'approved' : 'refused';
  const result = await unit.db
    .updateTable('authority_actions')
    .set({
      state,
      decided_by: supervisorId,
      decided_at: unit.now,
      decision_note: note || null,
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Conflict('this action was decided meanwhile');
  const decided = await rowOf(unit.db, id);
  const after = auditOf(decided, await budgetLeft(unit.db, teamId, row.month, row.currency));
  await unit.record({
    type: decision.approve ? 'authority.granted' : 'authority.refused',
    actor: { type: 'advisor', id: supervisorId },
    entity: { type: 'authority_action', id },
    scope: scopeOf(decided),
    before: { state: 'pending' },
    after,
  });
  return decided;
}

/** Waiting actions past their time expire (`authority.expired`); answers how many. */
export async function expireAuthority(unit: Unit): Promise<number> {
  const due = await unit.db
    .selectFrom('authority_actions')
    .selectAll()
    .where('state', '=', 'pending')
    .where('expires_at', '<=', unit.now)
    .execute();
  let expired = 0;
  for (const row of due) {
    const result = await unit.db
      .updateTable('authority_actions')
      .set({ state: 'expired', updated_at: unit.now })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) continue;
    expired++;
    await unit.record({
      type: 'authority.expired',
      actor: { type: 'system', id: null },
      entity: { type: 'authority_action', id: row.id },
      scope: scopeOf(row),
      before: { state: 'pending' },
      after: auditOf({ ...row, state: 'expired' }, undefined),
    });
  }
  return expired;
}

/**
 * The company's billing answers for a granted or approved action: applied, or refused with its
 * reason. The same answer twice changes nothing; a different one after the first is refused.
 */
export async function recordBilling(
  unit: Unit,
  id: number,
  answer: { readonly applied: boolean; readonly detail?: string },
  actor: Actor,
): Promise<AuthorityRow> {
  const row = await rowOf(unit.db, id);
  if (row.state !== 'granted' && row.state !== 'approved')
    throw new Conflict(`this action is ${row.state}: billing has nothing to apply`);
  const billing = answer.applied ? 'applied' : 'refused';
  if (row.billing_state === billing) return row;
  if (row.billing_state !== null)
    throw new Conflict(`billing already answered ${row.billing_state}`);
  await unit.db
    .updateTable('authority_actions')
    .set({
      billing_state: billing,
      billing_detail: answer.detail?.trim() || null,
      updated_at: unit.now,
    })
    .where('id', '=', id)
    .where('billing_state', 'is', null)
    .execute();
  const answered = await rowOf(unit.db, id);
  await unit.record({
    type: 'authority.billed',
    actor,
    entity: { type: 'authority_action', id },
    scope: scopeOf(answered),
    after: { billing, detail: answered.billing_detail },
  });
  return answered;
}
