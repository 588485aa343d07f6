import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { navigate, useLocation } from '../router.ts';
import { channelNames } from '../format.ts';
import { routingApi } from './routing-api.ts';
import { useRoutingMe } from './use-routing-me.ts';
import { IncomingCallCard } from '../calls/incoming-call-card.tsx';

/** An assignment offer from the routing engine pops up with accept / decline. */
export function OfferPopup() {
  const { me, reload } = useRoutingMe();
  const [error, setError] = useState<string | null>(null);
  const [seen, setSeen] = useState<number | null>(null);
  const [chosen, setChosen] = useState<number | null>(null);
  const { path } = useLocation();
  // Several offers at once: one is shown with their count, and the advisor steps through them.
  const offers = me?.items.filter((i) => i.status === 'offered') ?? [];
  const at = Math.max(
    0,
    offers.findIndex((i) => i.id === chosen),
  );
  const offer = offers[at];
  // A call put through to my line (no offer): its card, except on its own case, until I open it.
  const putThrough = me?.items.find(
    (i) =>
      i.status === 'assigned' &&
      i.kind === 'call' &&
      i.id !== seen &&
      path !== `/c/${i.conversationId}`,
  );
  if (!offer && putThrough)
    return (
      <IncomingCallCard item={putThrough} error={null} onDismiss={() => setSeen(putThrough.id)} />
    );
  if (!offer) return null;
  const answer = async (accept: boolean) => {
    setError(null);
    try {
      await api(accept ? routingApi.accept(offer.id) : routingApi.decline(offer.id), {
        method: 'POST',
      });
      reload();
      if (accept) {
        setSeen(offer.id);
        navigate(`/c/${offer.conversationId}`);
      }
    } catch (e) {
      setError(messageOf(e));
      reload();
    }
  };
  const stepper =
    offers.length > 1 ? (
      <nav className="offer-step" aria-label="Offers">
        <button
          type="button"
          onClick={() => setChosen(offers[(at + offers.length - 1) % offers.length]!.id)}
        >
          Previous
        </button>{' '}
        <span data-testid="offer-count">
          Offer {at + 1} of {offers.length}
        </span>{' '}
        <button type="button" onClick={() => setChosen(offers[(at + 1) % offers.length]!.id)}>
          Next
        </button>
      </nav>
    ) : null;
  if (offer.kind === 'call' || offer.kind === 'callback')
    return (
      <>
        {stepper}
        <IncomingCallCard item={offer} error={error} onAnswer={(accept) => void answer(accept)} />
      </>
    );
  return (
    <aside
      className="offer"
      role="alertdialog"
      aria-labelledby="offer-title"
      aria-describedby="offer-what"
    >
      <h2 id="offer-title">
        New work for you{offers.length > 1 ? ` (${offers.length} offers)` : ''}
      </h2>
      {stepper}
      <p id="offer-what">
        {channelNames[offer.channel] ?? offer.channel}: <strong>{offer.customerName}</strong> —{' '}
        {offer.subject}
        {offer.offerExpiresAt && (
          <small> (offer ends {new Date(offer.offerExpiresAt).toLocaleTimeString()})</small>
        )}
      </p>
      {error && <p role="alert">{error}</p>}
      <button type="button" className="primary" onClick={() => void answer(true)}>
        Accept
      </button>{' '}
      <button type="button" onClick={() => void answer(false)}>
        Decline
      </button>
    </aside>
  );
}
