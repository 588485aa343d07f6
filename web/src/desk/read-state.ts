import { useEffect, useRef } from 'react';
import { api } from '../api.ts';

type Listener = (conversationId: number) => void;
const listeners = new Set<Listener>();

async function save(conversationId: number, unread: boolean): Promise<void> {
  await api(`/api/conversations/${conversationId}/read-state`, {
    method: 'PUT',
    body: { unread },
  });
  for (const listener of listeners) listener(conversationId);
}

/** Records that I read this case (I opened it); the views' unread counts follow. */
export function markCaseRead(conversationId: number): Promise<void> {
  return save(conversationId, false);
}

/** Marks the case unread for me until I open or answer it again. */
export function markCaseUnread(conversationId: number): Promise<void> {
  return save(conversationId, true);
}

/** Calls `onChange` after this tab changed a case's read state (the latest callback). */
export function useReadStateChanges(onChange: Listener): void {
  const ref = useRef(onChange);
  ref.current = onChange;
  useEffect(() => {
    const listener: Listener = (id) => ref.current(id);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, []);
}
