import { connect, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import { pino, type Logger } from 'pino';
import type { DomainEvent } from './event.ts';

/** A listener may be synchronous or async (what it returns is ignored); its failure is its own. */
export type EventListener = (event: DomainEvent) => unknown;

/** Carries committed events to whoever listens: live screens, other nodes, later jobs. */
export interface EventBus {
  publish(events: readonly DomainEvent[]): Promise<void>;
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

/** Used when a caller passes no logger: failures are still written somewhere. */
const fallbackLogger: Logger = pino({ level: 'warn' });

/** The default bus: listeners in this process only. */
export function inProcessBus(logger: Logger = fallbackLogger): EventBus {
  const listeners = new Set<EventListener>();
  return {
    async publish(events) {
      for (const event of events)
        for (const listener of listeners) deliver(listener, event, logger);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
    },
  };
}

/**
 * Hands one event to one listener. A listener that throws or rejects is logged and the others still
 * receive the event: a bug in one screen or cache never stops the bus, the publisher or the process.
 */
export function deliver(listener: EventListener, event: DomainEvent, logger: Logger): void {
  const failed = (error: unknown) =>
    logger.error(
      { err: error, eventId: event.id, eventType: event.type },
      'an event listener failed',
    );
  try {
    const result = listener(event);
    if (result instanceof Promise) result.catch(failed);
  } catch (error) {
    failed(error);
  }
}

const codec = JSONCodec<DomainEvent>();

/** A bus over NATS: every node publishes to and hears from `<prefix>.events.<type>`. */
export async function natsBus(
  url: string,
  prefix = 'rapport',
  logger: Logger = fallbackLogger,
): Promise<EventBus> {
  const connection: NatsConnection = await connect({ servers: url, name: 'rapport' });
  const listeners = new Set<EventListener>();
  const subscription: Subscription = connection.subscribe(`${prefix}.events.>`);
  void (async () => {
    for await (const message of subscription) {
      let event: DomainEvent;
      try {
        event = codec.decode(message.data);
      } catch (error) {
        // One unreadable message must not end the loop: this node would stop hearing every event.
        logger.error({ err: error, subject: message.subject }, 'an unreadable event on NATS');
        continue;
      }
      for (const listener of listeners) deliver(listener, event, logger);
    }
  })().catch((error: unknown) => logger.error({ err: error }, 'the NATS subscription ended'));
  return {
    async publish(events) {
      for (const event of events)
        connection.publish(`${prefix}.events.${event.type}`, codec.encode(event));
      await connection.flush();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      listeners.clear();
      await connection.drain();
    },
  };
}
