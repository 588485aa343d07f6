import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { Store } from './db/connect.ts';
import type { Writer } from './db/writer.ts';
import type { EventBus } from './events/bus.ts';
import type { Clock } from './clock.ts';

/** Everything a domain area or route is handed: no hidden singletons. */
export interface Context {
  readonly config: Config;
  readonly store: Store;
  readonly writer: Writer;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
}
