/** The API's shapes: the wire types the server also uses (src/api-types/, types only: nothing of the server ships). */
export type { Advisor, DirectoryPerson, Directory, Role } from '../../src/api-types/people.ts';
export type { Customer, Consent, Identity } from '../../src/api-types/customers.ts';
export type {
  Conversation,
  Status,
  Priority,
  InteractionChannel,
  Interaction,
  InteractionKind,
  TimelinePage,
  WaitingCase,
} from '../../src/api-types/conversations.ts';
export type { Wall, ChannelFigures, DisconnectedMailbox } from '../../src/api-types/insights.ts';
export type {
  AdvisorStates,
  AdvisorStateView,
  HeldWork,
  ServiceLevelSetting,
} from '../../src/api-types/routing.ts';
export type { Macro } from '../../src/api-types/macros.ts';
export type { LiveEvent } from '../../src/api-types/events.ts';
export type { Shop, DayHours } from '../../src/api-types/shops.ts';
export type {
  ChannelAccount,
  ChannelProvider,
  ChannelSummary,
  MailboxStatus,
  SettingValue,
} from '../../src/api-types/channels.ts';
export type { CaseHit, SearchPage } from '../../src/api-types/conversations.ts';
