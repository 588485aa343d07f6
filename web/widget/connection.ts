/**
 * The widget's WebSocket to Rapport: says hello with the token and the last message id seen,
 * reconnects with backoff and jitter after a drop, at once when the network comes back or the tab
 * is shown again, and notices a dead socket (a phone that slept) with pings.
 */
import type { ServerFrame, VisitorFrame } from '../../src/api-types/chat.ts';
import { reconnectDelay } from './chat-state.ts';

export interface ConnectionHandlers {
  /** The hello to send on every (re)connect: token, identity and the cursor. */
  hello(): Extract<VisitorFrame, { type: 'hello' }>;
  frame(frame: ServerFrame): void;
  /** The socket is usable (`true`, after the welcome) or not. */
  state(open: boolean): void;
  /** The server refused the token, the identity or the site (4401, 4403): retrying as is is pointless. */
  refused(reason: string): void;
}

const pingEveryMs = 25_000;
const pongWithinMs = 10_000;

export class ChatConnection {
  private socket: WebSocket | null = null;
  private welcomed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private deadTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  private readonly onOnline = () => this.reconnectNow();
  private readonly onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    // A tab shown again may hold a socket that died while it slept: check it, or reconnect now.
    if (this.welcomed) this.ping();
    else this.reconnectNow();
  };

  constructor(
    private readonly url: string,
    private readonly handlers: ConnectionHandlers,
  ) {}

  get open(): boolean {
    return this.welcomed;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.retryTimer);
    this.drop();
  }

  /** Sends a frame when the socket is welcomed; false when it is not (the caller keeps it). */
  send(frame: VisitorFrame): boolean {
    if (!this.welcomed || this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  /** Drops any waiting and connects again now (network back, tab visible). */
  reconnectNow(): void {
    if (this.stopped) return;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN && this.welcomed) return;
    clearTimeout(this.retryTimer);
    this.attempt = 0;
    this.drop();
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    this.welcomed = false;
    socket.addEventListener('open', () => {
      if (this.socket !== socket) return;
      socket.send(JSON.stringify(this.handlers.hello()));
    });
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket) return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame;
      } catch {
        return;
      }
      clearTimeout(this.deadTimer);
      if (frame.type === 'welcome') {
        this.welcomed = true;
        this.attempt = 0;
        clearInterval(this.pingTimer);
        this.pingTimer = setInterval(() => this.ping(), pingEveryMs);
        this.handlers.frame(frame);
        this.handlers.state(true);
        return;
      }
      if (frame.type === 'pong') return;
      this.handlers.frame(frame);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      const wasOpen = this.welcomed;
      this.drop();
      if (wasOpen) this.handlers.state(false);
      // 4401: token or identity refused; 4403: this site may not use the chat.
      if (event.code === 4401 || event.code === 4403) {
        this.handlers.refused(event.reason);
        return;
      }
      this.scheduleRetry();
    });
  }

  private ping(): void {
    if (!this.send({ type: 'ping' })) return;
    clearTimeout(this.deadTimer);
    this.deadTimer = setTimeout(() => {
      // No answer: the socket is gone though the browser has not noticed (sleep, a dead NAT).
      const socket = this.socket;
      this.drop();
      if (socket) this.handlers.state(false);
      this.scheduleRetry();
    }, pongWithinMs);
  }

  private drop(): void {
    clearInterval(this.pingTimer);
    clearTimeout(this.deadTimer);
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    if (socket && socket.readyState <= WebSocket.OPEN) {
      try {
        socket.close(1000);
      } catch {
        // Already closing.
      }
    }
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.connect(), reconnectDelay(this.attempt++));
  }
}
