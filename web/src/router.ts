import { useSyncExternalStore } from 'react';

/** The desk's own path (after /desk), its query, and a tiny History API router. */
const base = '/desk';
const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((l) => l()));

function current(): string {
  const path = location.pathname.startsWith(base)
    ? location.pathname.slice(base.length) || '/'
    : '/';
  return path + location.search;
}

/** Goes to a desk path such as `/c/12` without reloading. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === current()) return;
  if (options.replace) history.replaceState(null, '', base + to);
  else history.pushState(null, '', base + to);
  listeners.forEach((l) => l());
}

/** The current desk path and query, re-rendering on navigation. */
export function useLocation(): { path: string; params: URLSearchParams } {
  const value = useSyncExternalStore((l) => {
    listeners.add(l);
    return () => listeners.delete(l);
  }, current);
  const [path, search = ''] = value.split('?');
  return { path: path ?? '/', params: new URLSearchParams(search) };
}

/** The href for a desk path, for real links (open in a new tab works). */
export function href(to: string): string {
  return base + to;
}

/** Follows a plain left click on a desk link without reloading; other clicks keep browser behaviour. */
export function followLink(event: React.MouseEvent<HTMLAnchorElement>, to: string): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  event.preventDefault();
  navigate(to);
}
