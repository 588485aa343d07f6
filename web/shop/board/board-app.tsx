/**
 * A shop's display board, on a screen across the room: the number called now and its desk in huge
 * type, the previous calls, and the next numbers waiting. Live over the board's socket; calls are
 * announced one at a time, in the order they were made (two calls within a second are both shown,
 * the second announced after the first), with an optional chime.
 */
import { useEffect, useRef, useState } from 'react';
import type { BoardCallView, BoardFrame, BoardState } from '../../../src/api-types/tickets.ts';
import { createChime, type Chime } from './chime.ts';

/** How long each announcement holds the headline before the next one (ms). */
const defaultHoldMs = 4_000;
const maxBackoffMs = 15_000;

export function boardShopOfPath(path: string): number | null {
  const match = /^\/board\/([1-9][0-9]{0,15})\/?$/.exec(path);
  return match ? Number(match[1]) : null;
}

function speak(call: BoardCallView): void {
  if (!('speechSynthesis' in window)) return;
  try {
    const [prefix, number] = call.code.split('-');
    const utterance = new SpeechSynthesisUtterance(
      `${prefix ?? ''} ${Number(number ?? '')}, ${call.deskName}`,
    );
    window.speechSynthesis.speak(utterance);
  } catch {
    // no voice: the chime and the screen say it
  }
}

export function BoardApp({ shop, holdMs = defaultHoldMs }: { shop: number; holdMs?: number }) {
  const [state, setState] = useState<BoardState | null>(null);
  const [connected, setConnected] = useState(false);
  const [announcing, setAnnouncing] = useState<BoardCallView | null>(null);
  const [announced, setAnnounced] = useState<string[]>([]);
  const queue = useRef<BoardCallView[]>([]);
  const running = useRef(false);
  // Created once; where autoplay is allowed it runs at once and no prompt is shown.
  const [chime] = useState<Chime | null>(() => createChime());
  const [soundOn, setSoundOn] = useState(() => chime?.enabled() ?? false);
  useEffect(() => chime?.onChange(setSoundOn), [chime]);

  /** Announces the queued calls one after the other, each holding the headline for `holdMs`. */
  const drain = async () => {
    if (running.current) return;
    running.current = true;
    try {
      for (let call = queue.current.shift(); call; call = queue.current.shift()) {
        setAnnouncing(call);
        setAnnounced((list) => [...list, call!.code]);
        if (chime?.enabled()) {
          await chime.play();
          speak(call);
        }
        await new Promise((resolve) => setTimeout(resolve, holdMs));
      }
    } finally {
      running.current = false;
      setAnnouncing(null);
    }
  };

  useEffect(() => {
    let socket: WebSocket | null = null;
    let closed = false;
    let backoff = 1_000;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const connect = () => {
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      socket = new WebSocket(`${scheme}://${window.location.host}/api/board/${shop}/socket`);
      socket.onopen = () => {
        backoff = 1_000;
        setConnected(true);
      };
      socket.onmessage = (message) => {
        const frame = JSON.parse(String(message.data)) as BoardFrame;
        if (frame.type === 'board') setState(frame.state);
        else if (frame.type === 'waiting')
          setState((s) => (s ? { ...s, waiting: frame.waiting } : s));
        else if (frame.type === 'call') {
          setState((s) =>
            s && !s.calls.some((c) => c.id === frame.call.id)
              ? { ...s, calls: [frame.call, ...s.calls].slice(0, 8) }
              : s,
          );
          queue.current.push(frame.call);
          void drain();
        }
      };
      socket.onclose = () => {
        setConnected(false);
        if (closed) return;
        retry = setTimeout(connect, backoff);
        backoff = Math.min(maxBackoffMs, backoff * 2);
      };
    };
    connect();
    return () => {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    };
  }, [shop]);

  const headline = announcing ?? state?.calls[0] ?? null;
  const earlier = (state?.calls ?? []).filter((c) => c.id !== headline?.id).slice(0, 6);

  return (
    <main className="board" data-announced={announced.join(',')}>
      <header className="board-head">
        <span className="board-shop">{state?.shop.name ?? ''}</span>
        <span className={connected ? 'link ok' : 'link lost'} role="status">
          {connected ? 'Live' : 'Reconnecting…'}
        </span>
        {chime && !soundOn && (
          <button
            type="button"
            className="enable-sound"
            onClick={async () => setSoundOn(await chime.enable())}
          >
            🔔 Enable sound
          </button>
        )}
      </header>
      <section className={announcing ? 'now flash' : 'now'} aria-live="assertive">
        <p className="now-label">Now serving</p>
        {headline ? (
          <p className="now-call" key={headline.id}>
            <span className="now-code">{headline.code}</span>
            <span className="now-desk">at {headline.deskName}</span>
          </p>
        ) : (
          <p className="now-call">
            <span className="now-desk">Please take a ticket</span>
          </p>
        )}
      </section>
      <div className="lists">
        <section className="earlier">
          <h2>Last calls</h2>
          <ol className="calls">
            {earlier.map((call) => (
              <li key={call.id}>
                <span className="code">{call.code}</span>
                <span className="desk">{call.deskName}</span>
              </li>
            ))}
          </ol>
        </section>
        <section className="next">
          <h2>Next</h2>
          <ol className="waiting">
            {(state?.waiting ?? []).map((code, i) => (
              <li key={`${i}-${code}`}>{code}</li>
            ))}
          </ol>
        </section>
      </div>
    </main>
  );
}
