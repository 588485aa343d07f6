import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';

const addLabels = {
  date: 'The date',
  opens: 'The special opening',
  closes: 'The special closing',
  reason: 'The reason',
};
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
  const [errors, setErrors] = useState<FieldErrors>({});
  const form = `shop-${shop.id}-exception`;
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
      setErrors({});
    } catch (e) {
      const { fields, other } = fieldErrorsOf(e, placeByName(addLabels));
      setErrors(fields);
      onSaved(`${shop.name}: ${other}`);
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
          <input type="date" name="date" required {...invalidProps(errors, form, 'date')} />
          <FieldError errors={errors} form={form} field="date" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={closed} onChange={(e) => setClosed(e.target.checked)} />
          Closed all day
        </label>
        <label>
          Special opening
          <input
            type="time"
            name="opens"
            step={300}
            disabled={closed}
            required={!closed}
            {...invalidProps(errors, form, 'opens')}
          />
          <FieldError errors={errors} form={form} field="opens" />
        </label>
        <label>
          Special closing
          <input
            type="time"
            name="closes"
            step={300}
            disabled={closed}
            required={!closed}
            {...invalidProps(errors, form, 'closes')}
          />
          <FieldError errors={errors} form={form} field="closes" />
        </label>
        <label>
          Reason
          <input
            name="reason"
            required
            maxLength={200}
            placeholder="Christmas Day"
            {...invalidProps(errors, form, 'reason')}
          />
          <FieldError errors={errors} form={form} field="reason" />
        </label>
        <button type="submit">Add exception</button>
      </form>
    </fieldset>
  );
}
