import { connect, JSONCodec, type NatsConnection, type Subscription } from 'nats';
import type { DomainEvent } from './event.ts';

export type EventListener = (event: DomainEvent) => void;

/** Carries committed events to whoever listens: live screens, other nodes, later jobs. */
export interface EventBus {
  publish(events: readonly DomainEvent[]): Promise<void>;
  subscribe(listener: EventListener): () => void;
  close(): Promise<void>;
}

/** The default bus: listeners in this process only. */
export function inProcessBus(): EventBus {
  const listeners = new Set<EventListener>();
  return {
    async publish(events) {
      for (const event of events) for (const listener of listeners) deliver(listener, event);
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

function deliver(listener: EventListener, event: DomainEvent): void {
  try {
    listener(event);
  } catch (error) {
    // A failing listener must not stop the others; it is reported, not swallowed.
    queueMicrotask(() => {
      throw error;
    });
  }
}

const codec = JSONCodec<DomainEvent>();

/** A bus over NATS: every node publishes to and hears from `<prefix>.events.<type>`. */
export async function natsBus(url: string, prefix = 'rapport'): Promise<EventBus> {
  const connection: NatsConnection = await connect({ servers: url, name: 'rapport' });
  const listeners = new Set<EventListener>();
  const subscription: Subscription = connection.subscribe(`${prefix}.events.>`);
  void (async () => {
    for await (const message of subscription) {
      const event = codec.decode(message.data);
      for (const listener of listeners) deliver(listener, event);
    }
  })();
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
