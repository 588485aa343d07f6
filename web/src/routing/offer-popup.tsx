import { useState } from 'react';
import { api, messageOf } from '../api.ts';
import { navigate } from '../router.ts';
import { channelNames } from '../format.ts';
import { routingApi } from './routing-api.ts';
import { useRoutingMe } from './use-routing-me.ts';

/** An assignment offer from the routing engine pops up with accept / decline. */
export function OfferPopup() {
  const { me, reload } = useRoutingMe();
  const [error, setError] = useState<string | null>(null);
  const offer = me?.items.find((i) => i.status === 'offered');
  if (!offer) return null;
  const answer = async (accept: boolean) => {
    setError(null);
    try {
      await api(accept ? routingApi.accept(offer.id) : routingApi.decline(offer.id), {
        method: 'POST',
      });
      reload();
      if (accept) navigate(`/c/${offer.conversationId}`);
    } catch (e) {
      setError(messageOf(e));
      reload();
    }
  };
  return (
    <aside
      className="offer"
      role="alertdialog"
      aria-labelledby="offer-title"
      aria-describedby="offer-what"
    >
      <h2 id="offer-title">New work for you</h2>
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
