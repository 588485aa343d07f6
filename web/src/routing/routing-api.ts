import type { QueueFigures } from '../../../src/api-types/routing.ts';

/** The routing engine's HTTP routes (src/routing/routing.routes.ts), as the desk uses them. */
export const routingApi = {
  /** GET → { presence, capacity, items: offered and assigned work } */
  me: '/api/routing/me',
  /** PUT { presence } */
  presence: '/api/routing/presence',
  /** GET → { channels: QueueFigures[] } */
  queues: '/api/routing/queues',
  accept: (id: number) => `/api/routing/work-items/${id}/accept`,
  decline: (id: number) => `/api/routing/work-items/${id}/decline`,
} as const;

/** States an advisor chooses; busy and wrap-up are set by the engine itself. */
export const chosenPresences = ['available', 'break', 'offline'] as const;
export const presenceNames: Record<string, string> = {
  available: 'Available',
  busy: 'Busy',
  wrap_up: 'Wrapping up',
  break: 'On a break',
  offline: 'Offline',
};

export interface RoutedItem {
  readonly id: number;
  readonly kind: string;
  readonly channel: string;
  readonly status: 'offered' | 'assigned';
  readonly conversationId: number;
  readonly customerName: string;
  readonly subject: string;
  readonly priority: string;
  readonly deadlineAt: string;
  readonly offerExpiresAt: string | null;
}

export interface RoutingMe {
  readonly presence: string;
  readonly items: RoutedItem[];
  /** How many items of each channel I may hold at once. */
  readonly capacity?: Readonly<Record<string, number>>;
}

export type { QueueFigures };
