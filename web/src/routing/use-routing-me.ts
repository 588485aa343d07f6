import { useEffect, useSyncExternalStore } from 'react';
import { api } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { routingApi, type RoutingMe } from './routing-api.ts';

// One copy per tab: the presence switch, the offer pop-up and my routed work share one request.
let current: RoutingMe | null = null;
let inflight: Promise<void> | null = null;
const listeners = new Set<() => void>();

function reload(): void {
  if (inflight) return;
  inflight = api<RoutingMe>(routingApi.me)
    .then(
      (me) => {
        current = me;
      },
      () => {
        current = null;
      },
    )
    .finally(() => {
      inflight = null;
      listeners.forEach((l) => l());
    });
}

/** My presence and the work routing offered or assigned to me, kept fresh by live events. */
export function useRoutingMe(): { me: RoutingMe | null; reload: () => void } {
  const me = useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => current,
  );
  // Every mount asks again (another person may have signed in on this tab); mounts together share one request.
  useEffect(reload, []);
  useLiveRefresh(
    (event) => event.type.startsWith('work-item.') || event.type === 'presence.changed',
    reload,
  );
  return { me, reload };
}
