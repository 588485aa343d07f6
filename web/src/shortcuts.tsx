import { useEffect, useRef } from 'react';

/** Every keyboard shortcut of the desk, as the `?` dialog lists them. */
export const shortcutList: ReadonlyArray<{ keys: string; what: string }> = [
  { keys: 'j', what: 'Next item in the work list' },
  { keys: 'k', what: 'Previous item in the work list' },
  { keys: 'r', what: 'Reply to the customer' },
  { keys: 'n', what: 'Write an internal note' },
  { keys: 'e', what: 'Resolve the case' },
  { keys: '/', what: 'Search customers and conversations' },
  { keys: '?', what: 'Show these shortcuts' },
  { keys: 'Ctrl + Enter', what: 'Send the reply or note' },
  { keys: 'Esc', what: 'Leave the text box, close a dialog' },
];

type Handler = () => void;
const handlers = new Map<string, Handler[]>();

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

window.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && typing(event.target)) {
    (event.target as HTMLElement).blur();
    return;
  }
  if (
    event.defaultPrevented ||
    event.ctrlKey ||
    event.metaKey ||
    event.altKey ||
    typing(event.target)
  )
    return;
  const list = handlers.get(event.key);
  const handler = list?.[list.length - 1];
  if (!handler) return;
  event.preventDefault();
  handler();
});

/** Binds a single key while the component is mounted (the latest mounted binding of a key wins). */
export function useShortcut(key: string, handler: Handler, enabled = true): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!enabled) return;
    const bound: Handler = () => ref.current();
    handlers.set(key, [...(handlers.get(key) ?? []), bound]);
    return () => {
      handlers.set(
        key,
        (handlers.get(key) ?? []).filter((h) => h !== bound),
      );
    };
  }, [key, enabled]);
}

/** The `?` dialog. */
export function ShortcutsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className="dialog" aria-labelledby="shortcuts-title" onClose={onClose}>
      <h2 id="shortcuts-title">Keyboard shortcuts</h2>
      <table className="shortcuts">
        <tbody>
          {shortcutList.map((s) => (
            <tr key={s.keys}>
              <th scope="row">
                <kbd>{s.keys}</kbd>
              </th>
              <td>{s.what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" onClick={onClose} autoFocus>
        Close
      </button>
    </dialog>
  );
}
