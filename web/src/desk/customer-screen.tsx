import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api.ts';
import { useLiveRefresh } from '../live.ts';
import { Timeline } from './timeline.tsx';
import { CustomerCard } from './customer-card.tsx';
import { loadCustomerStory } from './conversation-view.tsx';

/** A customer on their own: card, cases and whole timeline, from a search or a link. */
export function CustomerScreen({ customerId }: { customerId: number }) {
  const [data, setData] = useState<Awaited<ReturnType<typeof loadCustomerStory>> | null>(null);
  const [pages, setPages] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    loadCustomerStory(customerId, pages).then(setData, (e: unknown) => setError(messageOf(e)));
  }, [customerId, pages]);
  useEffect(load, [load]);
  useLiveRefresh((event) => event.scope.customerId === customerId, load);
  if (error) return <p role="alert">{error}</p>;
  if (!data) return <p>Loading…</p>;
  return (
    <div className="conversation-layout">
      <section className="conversation" aria-label={`${data.customer.displayName}'s timeline`}>
        <Timeline
          items={data.timeline}
          customer={data.customer}
          currentConversationId={null}
          hasOlder={data.nextCursor !== null}
          onOlder={() => setPages((p) => p + 1)}
        />
      </section>
      <CustomerCard
        customer={data.customer}
        cases={data.cases}
        currentConversationId={null}
        onChanged={load}
      />
    </div>
  );
}
