import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import type { Shop } from '../types.ts';

/** Holidays, closures and special days: dated in the shop's own calendar, from today on. */
export function ShopExceptionsEditor({
  shop,
  onSaved,
}: {
  shop: Shop;
  onSaved: (message: string) => void;
}) {
  const [closed, setClosed] = useState(true);
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    try {
      await api(`/api/shops/${shop.id}/exceptions`, {
        method: 'POST',
        body: {
          date: String(form.get('date')),
          reason: String(form.get('reason')),
          ...(closed
            ? {}
            : { opens: String(form.get('opens')), closes: String(form.get('closes')) }),
        },
      });
      onSaved(`${shop.name}: exception on ${String(form.get('date'))} added.`);
      formElement.reset();
      setClosed(true);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  const remove = async (id: number, date: string) => {
    try {
      await api(`/api/shop-exceptions/${id}`, { method: 'DELETE' });
      onSaved(`${shop.name}: exception on ${date} removed.`);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  return (
    <fieldset className="shop-part">
      <legend>Holidays, closures and special days ({shop.timeZone})</legend>
      {shop.exceptions.length === 0 ? (
        <p className="muted">None coming: every day follows the weekly hours.</p>
      ) : (
        <table className="admin-table exceptions">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Hours that day</th>
              <th scope="col">Why</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shop.exceptions.map((e) => (
              <tr key={e.id} data-exception={e.id}>
                <td>{e.date}</td>
                <td>{e.opens === null ? 'Closed all day' : `${e.opens}–${e.closes}`}</td>
                <td>{e.reason}</td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove the exception of ${e.date}${e.opens ? ` ${e.opens}` : ''}`}
                    onClick={() => void remove(e.id, e.date)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="row"
        onSubmit={(e) => void add(e)}
        aria-label={`Add an exception to ${shop.name}`}
      >
        <label>
          Exception date
          <input type="date" name="date" required />
        </label>
        <label className="inline">
          <input type="checkbox" checked={closed} onChange={(e) => setClosed(e.target.checked)} />
          Closed all day
        </label>
        <label>
          Special opening
          <input type="time" name="opens" step={300} disabled={closed} required={!closed} />
        </label>
        <label>
          Special closing
          <input type="time" name="closes" step={300} disabled={closed} required={!closed} />
        </label>
        <label>
          Reason
          <input name="reason" required maxLength={200} placeholder="Christmas Day" />
        </label>
        <button type="submit">Add exception</button>
      </form>
    </fieldset>
  );
}
