import { useCallback, useRef, useState } from 'react';
import { api, ApiError, newKey, type RequestOptions } from '../api.ts';
import type { Interaction } from '../types.ts';

/** How the composer posts a reply; the guard below is one. */
export type PostReply = (path: string, options: RequestOptions) => Promise<Interaction>;

const isMovedOn = (error: unknown): error is ApiError =>
  error instanceof ApiError &&
  error.status === 409 &&
  (error.problem as { type?: string } | null)?.type?.endsWith('/case-moved-on') === true;

/**
 * A send that carries the newest interaction I have read (`seenUpTo`): when the case moved on
 * meanwhile, the server refuses it (409) and I am asked first: send anyway, or read what is new.
 */
export function useMovedOnGuard(options: {
  seenUpTo: () => number;
  /** Fetches the case again, so what is new shows in the timeline behind the question. */
  reload: () => void;
  /** I have read everything shown: what I send next carries it. */
  markRead: () => void;
}): { post: PostReply; question: MovedOnQuestion | null } {
  const [question, setQuestion] = useState<MovedOnQuestion | null>(null);
  const latest = useRef(options);
  latest.current = options;

  const post = useCallback<PostReply>(async (path, request) => {
    const body = { ...(request.body as Record<string, unknown>) };
    const send = (extra: Record<string, unknown>, idempotencyKey: string | undefined) =>
      api<Interaction>(path, {
        ...request,
        ...(idempotencyKey ? { idempotencyKey } : {}),
        body: { ...body, ...extra },
      });
    try {
      return await send(
        { lastSeenInteractionId: latest.current.seenUpTo() },
        request.idempotencyKey,
      );
    } catch (error) {
      if (!isMovedOn(error)) throw error;
      latest.current.reload();
      const anyway = await new Promise<boolean>((resolve) =>
        setQuestion({
          detail: error.message,
          answer: (yes) => {
            setQuestion(null);
            resolve(yes);
          },
        }),
      );
      latest.current.markRead();
      if (!anyway) throw new Error('Not sent: read what is new on the case, then send again.');
      // A request of its own (its body differs), sent once whatever happens meanwhile.
      return send({ sendAnyway: true }, newKey());
    }
  }, []);
  return { post, question };
}

/** The question asked before a send on a case that moved on. */
export interface MovedOnQuestion {
  readonly detail: string;
  answer(sendAnyway: boolean): void;
}

/** "Someone else wrote meanwhile": send anyway, or read first (the draft stays). */
export function MovedOnDialog({ question }: { question: MovedOnQuestion }) {
  return (
    <div
      className="moved-on"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="moved-on-title"
      aria-describedby="moved-on-detail"
    >
      <h2 id="moved-on-title">The case moved on while you wrote</h2>
      <p id="moved-on-detail">{question.detail}</p>
      <div className="row">
        <button type="button" onClick={() => question.answer(false)} autoFocus>
          Read it first
        </button>
        <button type="button" className="primary" onClick={() => question.answer(true)}>
          Send anyway
        </button>
      </div>
    </div>
  );
}
