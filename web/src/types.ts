/** The API's shapes, taken from the server's own exported types (type-only: nothing of the server ships). */
export type { Advisor } from '../../src/advisors/advisors.ts';
export type { Role } from '../../src/advisors/access.ts';
export type { Customer, Consent } from '../../src/customers/customers.ts';
export type {
  Conversation,
  Status,
  Priority,
  Channel,
} from '../../src/conversations/conversations.ts';
export type {
  Interaction,
  InteractionKind,
  TimelinePage,
} from '../../src/conversations/interactions.ts';
export type { WorkItem } from '../../src/desk/work-list.ts';
export type { Wall, ChannelFigures } from '../../src/insights/wall.ts';
export type { ServiceLevelPolicy } from '../../src/insights/service-levels.ts';
export type { Macro } from '../../src/macros/macros.ts';
export type { DomainEvent } from '../../src/platform/events/event.ts';
export type {
  AdvisorStates,
  AdvisorStateView,
  HeldWork,
} from '../../src/routing/advisor-states.ts';
export type { Shop } from '../../src/shops/shops.ts';
export type { DayHours } from '../../src/shops/shop-hours.ts';
export type { ChannelSetting } from '../../src/desk/channel-settings.ts';

export interface DirectoryPerson {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly teamId: number | null;
  readonly shopId: number | null;
  readonly active: boolean;
}

export interface Directory {
  readonly advisors: DirectoryPerson[];
  readonly teams: Array<{ id: number; name: string; kind: string }>;
}

/** Optional parts of the desk, on when the server has their routes (see src/desk/desk.routes.ts). */
export interface Features {
  readonly presence: boolean;
  readonly queues: boolean;
  readonly offers: boolean;
}
