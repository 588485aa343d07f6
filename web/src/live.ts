import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { LiveEvent } from '../../src/api-types/events.ts';

export type LiveState = 'connecting' | 'live' | 'offline';
type Listener = (event: LiveEvent) => void;

/**
 * One WebSocket to /api/live per tab. It reconnects with a growing pause; each time it (re)connects
 * every listener hears a synthetic `live.resumed` event so screens refetch what they may have missed.
 */
class LiveConnection {
  private socket: WebSocket | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<() => void>();
  private retry = 0;
  private timer: number | undefined;
  private stopped = true;
  state: LiveState = 'offline';

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.clearTimeout(this.timer);
    this.socket?.close();
    this.socket = null;
    this.setState('offline');
  }

  private connect(): void {
    this.setState('connecting');
    const socket = new WebSocket(
      `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/live`,
    );
    this.socket = socket;
    socket.onmessage = (message) => {
      const data = JSON.parse(String(message.data)) as { type: string };
      if (data.type === 'hello') {
        this.retry = 0;
        this.setState('live');
        // Anything that happened before this socket listened is fetched again, on first connect too.
        this.emit({
          id: 0,
          type: 'live.resumed',
          actor: { type: 'system', id: null },
          entity: { type: 'live', id: 0 },
          scope: {},
          before: null,
          after: null,
          at: Date.now(),
        });
        return;
      }
      this.emit(data as LiveEvent);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      this.setState('offline');
      this.retry = Math.min(this.retry + 1, 6);
      this.timer = window.setTimeout(() => this.connect(), 500 * 2 ** this.retry);
    };
  }

  private emit(event: LiveEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private setState(state: LiveState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  subscribeState(listener: () => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }
}

export const live = new LiveConnection();

/** The live connection's state, for the indicator in the header. */
export function useLiveState(): LiveState {
  return useSyncExternalStore(
    (l) => live.subscribeState(l),
    () => live.state,
  );
}

/** Calls `onEvent` for each live event (the latest callback, without resubscribing). */
export function useLiveEvents(onEvent: Listener): void {
  const ref = useRef(onEvent);
  ref.current = onEvent;
  useEffect(() => live.subscribe((event) => ref.current(event)), []);
}

/** Runs `refresh` at most once per `delayMs` while events that `matters` keep arriving. */
export function useLiveRefresh(
  matters: (event: LiveEvent) => boolean,
  refresh: () => void,
  delayMs = 250,
): void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLiveEvents((event) => {
    if (event.type !== 'live.resumed' && !matters(event)) return;
    if (timer.current !== undefined) return;
    timer.current = window.setTimeout(() => {
      timer.current = undefined;
      latest.current();
    }, delayMs);
  });
}
