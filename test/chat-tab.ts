import { once } from 'node:events';
import type WebSocket from 'ws';
import type { ChatMessage, ServerFrame } from '../src/api-types/chat.ts';

/** Frames as they arrive on one socket, and a way to wait for the first that matches. */
export class Tab {
  readonly frames: ServerFrame[] = [];
  private waiters: Array<{
    match: (f: ServerFrame) => boolean;
    resolve: (f: ServerFrame) => void;
  }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as ServerFrame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    this.closed = once(socket, 'close').then(([code, reason]) => ({
      code: code as number,
      reason: String(reason),
    }));
  }
  next<T extends ServerFrame['type']>(
    type: T,
    match: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true,
    seen = 0,
  ): Promise<Extract<ServerFrame, { type: T }>> {
    const test = (f: ServerFrame) =>
      f.type === type && match(f as Extract<ServerFrame, { type: T }>);
    const found = this.frames.slice(seen).find(test);
    if (found) return Promise.resolve(found as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no ${type} frame came; got ${JSON.stringify(this.frames)}`)),
        20_000,
      );
      this.waiters.push({
        match: test,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f as Extract<ServerFrame, { type: T }>);
        },
      });
    });
  }
  send(frame: unknown): void {
    this.socket.send(JSON.stringify(frame));
  }
  messages(): ChatMessage[] {
    return this.frames.flatMap((f) => (f.type === 'message' ? [f.message] : []));
  }
}
