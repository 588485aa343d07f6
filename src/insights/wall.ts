import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../platform/db/schema.ts';
import { activeStatuses } from '../conversations/conversations.ts';
import { channels as customerChannels, isChannel } from '../channels/channel.ts';
import { loadPolicies, type ServiceLevelSettings } from '../routing/service-levels.ts';
import { findWaits, waitEpisodes, type Wait, type WaitEpisode } from '../routing/waits.ts';
import { explainWaits, waitingWork } from '../routing/wait-reasons.ts';
import {
  addBusinessSeconds,
  businessSecondsBetween,
  type BusinessCalendar,
} from '../routing/business-time.ts';
import { countsBusinessTime } from '../routing/policy.ts';
import { businessCalendarsOf } from '../routing/team-calendars.ts';
import type {
  CallbacksWaiting,
  ChannelFigures,
  DisconnectedMailbox,
  Wall,
} from '../api-types/insights.ts';

type Verdict = 'met' | 'missed' | 'pending';

/** The business calendars of teams with saved hours, by team id (loaded once per wall). */
export type TeamCalendars = ReadonlyMap<number, BusinessCalendar>;

/**
 * The calendar a wait's clock counts in (pure): its team's on a written channel (email, SMS,
 * social); none, the wall clock, for calls, chats and shop visits or a team without saved hours.
 */
export function clockOf(
  wait: { readonly channel: string; readonly teamId?: number | null },
  calendars: TeamCalendars | undefined,
): BusinessCalendar | undefined {
  if (!calendars || wait.teamId === undefined || wait.teamId === null) return undefined;
  if (!isChannel(wait.channel) || !countsBusinessTime(wait.channel)) return undefined;
  return calendars.get(wait.teamId);
}

/** How long a wait ran from `start` to `end` on its clock: business time with a calendar (pure). */
function waited(start: number, end: number, calendar: BusinessCalendar | undefined): number {
  if (!calendar) return Math.max(0, end - start);
  return Math.round(businessSecondsBetween(start, end, calendar) * 1000);
}

/**
 * Whether one wait kept the channel's promise, broke it, or cannot be judged yet (pure). With a
 * calendar the threshold is business time: an email of Friday 17:00 answered Monday 09:30, Monday to
 * Friday 09:00–17:00, waited 30 minutes.
 */
export function judge(
  episode: WaitEpisode,
  thresholdMs: number,
  now: number,
  calendar?: BusinessCalendar,
): Verdict {
  if (episode.answeredAt !== null)
    return waited(episode.start, episode.answeredAt, calendar) <= thresholdMs ? 'met' : 'missed';
  const until = episode.endedAt ?? now;
  // A case closed without a reply inside the threshold is not a wait we failed; one past it is.
  if (waited(episode.start, until, calendar) > thresholdMs) return 'missed';
  return 'pending';
}

/**
 * The wall's figures from who waits now and today's waits (pure). A written wait with its team's
 * calendar counts business time: its age, its verdict, its speed of answer; its clock, and so its
 * place in today's figures, starts at the team's next opening (Friday 17:00 → Monday 09:00).
 */
export function summariseWall(input: {
  readonly waits: Iterable<Wait>;
  readonly episodes: readonly WaitEpisode[];
  readonly policies: ServiceLevelSettings;
  readonly now: number;
  readonly dayStart: number;
  readonly timeZone: string;
  /** Teams' calendars (none: every clock runs 24 × 7). */
  readonly calendars?: TeamCalendars;
}): Omit<Wall, 'disconnectedMailboxes' | 'callbacks'> {
  const { policies, now, dayStart } = input;
  const hours = Math.max(1, Math.ceil((now - dayStart) / 3_600_000));
  const acc = new Map(
    customerChannels.map((channel) => [
      channel,
      {
        waiting: 0,
        overThreshold: 0,
        longest: null as number | null,
        met: 0,
        judged: 0,
        answered: 0,
        answerTotal: 0,
        arrivals: new Array<number>(hours).fill(0),
      },
    ]),
  );
  for (const wait of input.waits) {
    if (!isChannel(wait.channel)) continue;
    const a = acc.get(wait.channel)!;
    const age = waited(wait.since, now, clockOf(wait, input.calendars));
    a.waiting++;
    if (age > policies[wait.channel].thresholdMs) a.overThreshold++;
    a.longest = Math.max(a.longest ?? 0, age);
  }
  for (const episode of input.episodes) {
    if (!isChannel(episode.channel)) continue;
    const calendar = clockOf(episode, input.calendars);
    const clockStart = calendar ? addBusinessSeconds(episode.start, 0, calendar) : episode.start;
    if (clockStart < dayStart || clockStart > now) continue;
    const a = acc.get(episode.channel)!;
    const hour = Math.min(hours - 1, Math.floor((clockStart - dayStart) / 3_600_000));
    a.arrivals[hour] = (a.arrivals[hour] ?? 0) + 1;
    const verdict = judge(episode, policies[episode.channel].thresholdMs, now, calendar);
    if (verdict !== 'pending') a.judged++;
    if (verdict === 'met') a.met++;
    if (episode.answeredAt !== null) {
      a.answered++;
      a.answerTotal += waited(episode.start, episode.answeredAt, calendar);
    }
  }
  const channels: ChannelFigures[] = customerChannels.map((channel) => {
    const a = acc.get(channel)!;
    return {
      channel,
      policy: policies[channel],
      waiting: a.waiting,
      overThreshold: a.overThreshold,
      longestWaitMs: a.longest,
      serviceLevel: a.judged > 0 ? a.met / a.judged : null,
      met: a.met,
      judged: a.judged,
      averageSpeedOfAnswerMs: a.answered > 0 ? Math.round(a.answerTotal / a.answered) : null,
      answered: a.answered,
      arrivalsByHour: a.arrivals,
    };
  });
  const measured = channels.filter((c) => c.serviceLevel !== null);
  let parityIndex: number | null = null;
  let lowest: ChannelFigures | undefined;
  let highest: ChannelFigures | undefined;
  if (measured.length >= 2) {
    lowest = measured.reduce((a, b) => (b.serviceLevel! < a.serviceLevel! ? b : a));
    highest = measured.reduce((a, b) => (b.serviceLevel! > a.serviceLevel! ? b : a));
    parityIndex = highest.serviceLevel! > 0 ? lowest.serviceLevel! / highest.serviceLevel! : 1;
  }
  return {
    at: new Date(now).toISOString(),
    dayStart: new Date(dayStart).toISOString(),
    timeZone: input.timeZone,
    channels,
    parityIndex,
    lowestChannel: lowest?.channel ?? null,
    highestChannel: highest?.channel ?? null,
  };
}

/** Midnight of `now`'s day in the time zone (IANA name), as epoch milliseconds. */
export function startOfDay(now: number, timeZone: string): number {
  return DateTime.fromMillis(now, { zone: timeZone }).startOf('day').toMillis();
}

/** Today's waits: every public interaction of the cases that moved today, cut into waits. */
async function todaysEpisodes(db: Kysely<Database>, dayStart: number): Promise<WaitEpisode[]> {
  return episodesOf(
    db,
    await db
      .selectFrom('conversations')
      .select(['id', 'status', 'resolved_at', 'team_id'])
      .where('last_interaction_at', '>=', dayStart)
      .execute(),
  );
}

/** The waits of these cases, from all their public interactions, each with the case's team. */
async function episodesOf(
  db: Kysely<Database>,
  cases: ReadonlyArray<{
    id: number;
    status: string;
    resolved_at: number | null;
    team_id: number | null;
  }>,
): Promise<WaitEpisode[]> {
  if (cases.length === 0) return [];
  const teams = new Map(cases.map((c) => [c.id, c.team_id]));
  const ended = new Map(
    cases.map((c) => [
      c.id,
      (activeStatuses as readonly string[]).includes(c.status) ? null : c.resolved_at,
    ]),
  );
  const rows = [];
  // Chunked so a busy day stays within the databases' bound-parameter limits.
  for (let i = 0; i < cases.length; i += 5000) {
    const ids = cases.slice(i, i + 5000).map((c) => c.id);
    rows.push(
      ...(await db
        .selectFrom('interactions')
        .select(['conversation_id', 'channel', 'direction', 'created_at', 'sent_at'])
        .where('conversation_id', 'in', ids)
        .where('direction', 'in', ['inbound', 'outbound'])
        // Machines' messages (auto-replies, echoes) open no wait.
        .where('automated', '=', 0)
        .orderBy('conversation_id')
        .orderBy('created_at')
        .orderBy('id')
        .execute()),
    );
  }
  return waitEpisodes(rows, ended).map((episode) => ({
    ...episode,
    teamId: teams.get(episode.conversationId) ?? null,
  }));
}

/** Enabled accounts whose IMAP mailbox cannot be read now (the poller records it), longest first. */
async function disconnectedMailboxes(db: Kysely<Database>): Promise<DisconnectedMailbox[]> {
  const rows = await db
    .selectFrom('imap_mailboxes')
    .innerJoin('channel_accounts', 'channel_accounts.id', 'imap_mailboxes.account_id')
    .select([
      'imap_mailboxes.account_id',
      'channel_accounts.address',
      'imap_mailboxes.disconnected_since',
      'imap_mailboxes.updated_at',
      'imap_mailboxes.last_error',
    ])
    .where('imap_mailboxes.state', '=', 'disconnected')
    .where('channel_accounts.enabled', '=', 1)
    .orderBy('imap_mailboxes.disconnected_since')
    .orderBy('imap_mailboxes.account_id')
    .execute();
  return rows.map((row) => ({
    accountId: Number(row.account_id),
    address: row.address,
    since: new Date(Number(row.disconnected_since ?? row.updated_at)).toISOString(),
    reason: row.last_error,
  }));
}

/** Callbacks not yet taken (waiting or offered), oldest first: their wait runs from the caller's arrival. */
async function callbacksWaiting(db: Kysely<Database>, now: number): Promise<CallbacksWaiting> {
  const rows = await db
    .selectFrom('work_items')
    .innerJoin('customers', 'customers.id', 'work_items.customer_id')
    .select([
      'work_items.id',
      'work_items.conversation_id',
      'work_items.created_at',
      'customers.display_name',
    ])
    .where('work_items.kind', '=', 'callback')
    .where('work_items.status', 'in', ['waiting', 'offered'])
    // Not yet due (an advisor's "call back at 15:00", a pause after a busy line): not waiting yet.
    .where((eb) => eb.or([eb('work_items.due_at', 'is', null), eb('work_items.due_at', '<=', now)]))
    .orderBy('work_items.created_at')
    .orderBy('work_items.id')
    .execute();
  const waitOf = (at: number) => Math.max(0, now - Number(at));
  return {
    waiting: rows.length,
    longestWaitMs: rows[0] ? waitOf(rows[0].created_at) : null,
    oldest: rows.slice(0, 5).map((row) => ({
      workItemId: Number(row.id),
      conversationId: Number(row.conversation_id),
      customerName: row.display_name,
      waitMs: waitOf(row.created_at),
    })),
  };
}

/** The supervisor's wall as of `now`, with "today" starting at midnight in `timeZone`. */
export async function computeWall(
  db: Kysely<Database>,
  now: number,
  timeZone: string,
): Promise<Wall> {
  const dayStart = startOfDay(now, timeZone);
  const [waits, episodes, policies, mailboxes, callbacks] = await Promise.all([
    // A customer whose callback is held back until later (their "call me at 15:00") waits for no one yet.
    findWaits(db, {
      where: [
        (eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('work_items')
                .select('work_items.id')
                .whereRef('work_items.conversation_id', '=', 'conversations.id')
                .where('work_items.status', '=', 'waiting')
                .where('work_items.due_at', '>', now),
            ),
          ),
      ],
    }),
    todaysEpisodes(db, dayStart),
    loadPolicies(db),
    disconnectedMailboxes(db),
    callbacksWaiting(db, now),
  ]);
  // Each team's calendar once, for the written waits of its cases (three queries in all).
  const teamIds = [...waits.values(), ...episodes].flatMap((w) =>
    w.teamId === undefined || w.teamId === null ? [] : [w.teamId],
  );
  const calendars = await businessCalendarsOf(db, teamIds);
  // A written wait that arrived after yesterday's closing starts its clock today, though its case
  // has not moved since: judge it today too.
  const loaded = new Set(episodes.map((e) => e.conversationId));
  const carried = [...waits.values()].filter((wait) => {
    const calendar = clockOf(wait, calendars);
    return (
      calendar !== undefined &&
      wait.since < dayStart &&
      !loaded.has(wait.conversationId) &&
      addBusinessSeconds(wait.since, 0, calendar) >= dayStart
    );
  });
  if (carried.length > 0)
    episodes.push(
      ...(await episodesOf(
        db,
        await db
          .selectFrom('conversations')
          .select(['id', 'status', 'resolved_at', 'team_id'])
          .where(
            'id',
            'in',
            carried.map((w) => w.conversationId),
          )
          .execute(),
      )),
    );
  // Why the first in line wait, and the declines routing respects (routing/wait-reasons.ts).
  const explained = await explainWaits(db, now);
  return {
    ...summariseWall({
      waits: waits.values(),
      episodes,
      policies,
      now,
      dayStart,
      timeZone,
      calendars,
    }),
    disconnectedMailboxes: mailboxes,
    callbacks,
    waitingWork: await waitingWork(db, now, explained),
    declines: explained.declines,
  };
}

export type { CallbacksWaiting, ChannelFigures, DisconnectedMailbox, Wall };
