/** Simulator scenarios: the JSON format of scenarios/*.json, with its validation. */
import { Invalid } from '../platform/errors.ts';
import type { DurationDistribution } from './random.ts';
import type { Channel, ChannelCounts, WorkItemKind } from './types.ts';
import { CHANNELS } from './types.ts';

/** A team of identical advisors working one shift. */
export interface ScenarioAdvisorGroup {
  name: string;
  count: number;
  skills: string[];
  languages: string[];
  /** Start and end, in hours since midnight of the simulated day (e.g. [8, 16.5]). */
  shift: [number, number];
  capacity: Partial<ChannelCounts>;
}

/** A share of a stream's contacts needing some skills or a language. */
export interface SkillMix {
  skills: string[];
  share: number;
}

/** A language and the share of a stream's contacts speaking it. */
export interface LanguageMix {
  language: string;
  share: number;
}

/** Contacts arriving on one channel (Poisson, rate constant within each hour). */
export interface ScenarioArrivalStream {
  channel: Channel;
  kind?: WorkItemKind;
  /** Contacts per hour, for the hours from the scenario's startHour on. */
  perHour: number[];
  skills?: SkillMix[];
  languages?: LanguageMix[];
  /** Share of contacts that are hard (their advisor gets recovery time after). */
  hardShare?: number;
  priority?: number;
  /** Overrides the scenario's returning share for this stream. */
  returningShare?: number;
}

/** A channel's service-level settings in seconds, as scenario files write them. */
export interface ScenarioServiceLevel {
  targetFraction?: number;
  thresholdSeconds?: number;
  affinityWindowSeconds?: number;
  offerTimeoutSeconds?: number;
}

/** Callback offers: when the estimated wait passes the threshold, a share of customers take one. */
export interface ScenarioCallback {
  thresholdSeconds: number;
  acceptance: number;
  channels: Channel[];
}

/** A whole simulated day (or longer). */
export interface Scenario {
  name: string;
  description?: string;
  /** The hour of day that perHour[0] describes. */
  startHour: number;
  advisorGroups: ScenarioAdvisorGroup[];
  arrivals: ScenarioArrivalStream[];
  handleTime: Partial<Record<Channel, DurationDistribution>>;
  /** How long customers wait before abandoning, for live channels; none = they never abandon. */
  patience?: Partial<Record<Channel, DurationDistribution>>;
  wrapUpSeconds?: Partial<ChannelCounts>;
  /** Share of contacts from customers served recently on the same channel (they prefer that advisor). */
  returningShare?: number;
  returnWithinHours?: number;
  callback?: ScenarioCallback;
  serviceLevels?: Partial<Record<Channel, ScenarioServiceLevel>>;
  occupancyCap?: number;
  recoveryMinutes?: number;
  /** Blending guard: call-taking advisors kept free for calls (see RoutingOptions.voiceReserve). */
  voiceReserve?: number;
  releaseLeadFraction?: number;
  /** Probability that an advisor misses an offered live contact (it moves on after the offer timeout). */
  offerMissProbability?: number;
  missedOfferPauseSeconds?: number;
  /** Hours after the last arrival hour during which waiting work is still served. */
  drainHours?: number;
  chartBucketMinutes?: number;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(path: string, message: string): never {
  throw new Invalid(path, message);
}

function num(value: unknown, path: string, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    fail(path, `expected a number >= ${min}`);
  }
  return value;
}

function str(value: unknown, path: string): string {
  if (typeof value !== 'string' || value === '') fail(path, 'expected a non-empty string');
  return value;
}

function strings(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) fail(path, 'expected an array of strings');
  return value.map((entry, index) => str(entry, `${path}[${index}]`));
}

function channel(value: unknown, path: string): Channel {
  if (typeof value !== 'string' || !(CHANNELS as readonly string[]).includes(value)) {
    fail(path, `expected one of ${CHANNELS.join(', ')}`);
  }
  return value as Channel;
}

function channelRecord<T>(
  value: unknown,
  path: string,
  read: (v: unknown, p: string) => T,
): Partial<Record<Channel, T>> {
  if (value === undefined) return {};
  if (!isObject(value)) fail(path, 'expected an object keyed by channel');
  const result: Partial<Record<Channel, T>> = {};
  for (const [key, entry] of Object.entries(value)) {
    result[channel(key, `${path}.${key}`)] = read(entry, `${path}.${key}`);
  }
  return result;
}

function distribution(value: unknown, path: string): DurationDistribution {
  if (!isObject(value)) fail(path, 'expected a distribution object');
  const meanSeconds = num(value['meanSeconds'], `${path}.meanSeconds`);
  switch (value['distribution']) {
    case 'exponential':
      return { distribution: 'exponential', meanSeconds };
    case 'fixed':
      return { distribution: 'fixed', meanSeconds };
    case 'lognormal':
      return { distribution: 'lognormal', meanSeconds, cv: num(value['cv'], `${path}.cv`) };
    default:
      return fail(`${path}.distribution`, 'expected exponential, lognormal or fixed');
  }
}

function optionalNumber(value: unknown, path: string, min = 0): number | undefined {
  return value === undefined ? undefined : num(value, path, min);
}

/** Checks parsed JSON and returns it as a Scenario, or throws Invalid naming the bad field. */
export function parseScenario(input: unknown): Scenario {
  if (!isObject(input)) fail('scenario', 'expected an object');
  const groups = input['advisorGroups'];
  if (!Array.isArray(groups) || groups.length === 0)
    fail('advisorGroups', 'expected a non-empty array');
  const arrivals = input['arrivals'];
  if (!Array.isArray(arrivals) || arrivals.length === 0)
    fail('arrivals', 'expected a non-empty array');
  const scenario: Scenario = {
    name: str(input['name'], 'name'),
    startHour: num(input['startHour'] ?? 0, 'startHour'),
    advisorGroups: groups.map((group: unknown, index): ScenarioAdvisorGroup => {
      const path = `advisorGroups[${index}]`;
      if (!isObject(group)) fail(path, 'expected an object');
      const shift = group['shift'];
      if (!Array.isArray(shift) || shift.length !== 2)
        fail(`${path}.shift`, 'expected [start, end]');
      const start = num(shift[0], `${path}.shift[0]`);
      const end = num(shift[1], `${path}.shift[1]`);
      if (end <= start) fail(`${path}.shift`, 'end must come after start');
      return {
        name: str(group['name'], `${path}.name`),
        count: num(group['count'], `${path}.count`, 1),
        skills: strings(group['skills'] ?? [], `${path}.skills`),
        languages: strings(group['languages'] ?? [], `${path}.languages`),
        shift: [start, end],
        capacity: channelRecord(group['capacity'], `${path}.capacity`, (v, p) => num(v, p)),
      };
    }),
    arrivals: arrivals.map((stream: unknown, index): ScenarioArrivalStream => {
      const path = `arrivals[${index}]`;
      if (!isObject(stream)) fail(path, 'expected an object');
      const perHour = stream['perHour'];
      if (!Array.isArray(perHour)) fail(`${path}.perHour`, 'expected an array of rates');
      const skills = stream['skills'];
      const languages = stream['languages'];
      const parsed: ScenarioArrivalStream = {
        channel: channel(stream['channel'], `${path}.channel`),
        perHour: perHour.map((rate, hour) => num(rate, `${path}.perHour[${hour}]`)),
      };
      if (typeof stream['kind'] === 'string') parsed.kind = stream['kind'] as WorkItemKind;
      if (Array.isArray(skills)) {
        parsed.skills = skills.map((mix: unknown, i) => {
          if (!isObject(mix)) fail(`${path}.skills[${i}]`, 'expected { skills, share }');
          return {
            skills: strings(mix['skills'], `${path}.skills[${i}].skills`),
            share: num(mix['share'], `${path}.skills[${i}].share`),
          };
        });
      }
      if (Array.isArray(languages)) {
        parsed.languages = languages.map((mix: unknown, i) => {
          if (!isObject(mix)) fail(`${path}.languages[${i}]`, 'expected { language, share }');
          return {
            language: str(mix['language'], `${path}.languages[${i}].language`),
            share: num(mix['share'], `${path}.languages[${i}].share`),
          };
        });
      }
      const hardShare = optionalNumber(stream['hardShare'], `${path}.hardShare`);
      if (hardShare !== undefined) parsed.hardShare = hardShare;
      const priority = optionalNumber(stream['priority'], `${path}.priority`, -1e9);
      if (priority !== undefined) parsed.priority = priority;
      const returning = optionalNumber(stream['returningShare'], `${path}.returningShare`);
      if (returning !== undefined) parsed.returningShare = returning;
      return parsed;
    }),
    handleTime: channelRecord(input['handleTime'], 'handleTime', distribution),
    patience: channelRecord(input['patience'], 'patience', distribution),
    wrapUpSeconds: channelRecord(input['wrapUpSeconds'], 'wrapUpSeconds', (v, p) => num(v, p)),
    serviceLevels: channelRecord(
      input['serviceLevels'],
      'serviceLevels',
      (v, p): ScenarioServiceLevel => {
        if (!isObject(v)) fail(p, 'expected an object');
        const level: ScenarioServiceLevel = {};
        const target = optionalNumber(v['targetFraction'], `${p}.targetFraction`);
        if (target !== undefined) level.targetFraction = target;
        const threshold = optionalNumber(v['thresholdSeconds'], `${p}.thresholdSeconds`);
        if (threshold !== undefined) level.thresholdSeconds = threshold;
        const affinity = optionalNumber(v['affinityWindowSeconds'], `${p}.affinityWindowSeconds`);
        if (affinity !== undefined) level.affinityWindowSeconds = affinity;
        const offer = optionalNumber(v['offerTimeoutSeconds'], `${p}.offerTimeoutSeconds`);
        if (offer !== undefined) level.offerTimeoutSeconds = offer;
        return level;
      },
    ),
  };
  if (typeof input['description'] === 'string') scenario.description = input['description'];
  for (const stream of scenario.arrivals) {
    if (!scenario.handleTime[stream.channel])
      fail(`handleTime.${stream.channel}`, 'missing for a channel with arrivals');
  }
  const numbers = [
    'returningShare',
    'returnWithinHours',
    'occupancyCap',
    'recoveryMinutes',
    'voiceReserve',
    'releaseLeadFraction',
    'offerMissProbability',
    'missedOfferPauseSeconds',
    'drainHours',
    'chartBucketMinutes',
  ] as const;
  for (const key of numbers) {
    const value = optionalNumber(input[key], key);
    if (value !== undefined) scenario[key] = value;
  }
  const callback = input['callback'];
  if (callback !== undefined) {
    if (!isObject(callback)) fail('callback', 'expected an object');
    scenario.callback = {
      thresholdSeconds: num(callback['thresholdSeconds'], 'callback.thresholdSeconds'),
      acceptance: num(callback['acceptance'], 'callback.acceptance'),
      channels: Array.isArray(callback['channels'])
        ? callback['channels'].map((c: unknown, i) => channel(c, `callback.channels[${i}]`))
        : ['voice', 'chat'],
    };
  }
  return scenario;
}
