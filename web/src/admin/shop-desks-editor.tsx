import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import type { Shop } from '../types.ts';
import type { ShopDesk } from '../../../src/api-types/shops.ts';

/** A shop's counters: named uniquely in the shop, taken out of service and back. */
export function ShopDesksEditor({
  shop,
  onSaved,
}: {
  shop: Shop;
  onSaved: (message: string) => void;
}) {
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const name = String(new FormData(formElement).get('name'));
    try {
      await api(`/api/shops/${shop.id}/desks`, { method: 'POST', body: { name } });
      onSaved(`${shop.name}: desk “${name.trim()}” added.`);
      formElement.reset();
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  return (
    <fieldset className="shop-part">
      <legend>Desks</legend>
      {shop.desks.length === 0 ? (
        <p className="muted">No desk yet.</p>
      ) : (
        <ul className="desk-list">
          {shop.desks.map((d) => (
            <DeskRow key={d.id} shop={shop} desk={d} onSaved={onSaved} />
          ))}
        </ul>
      )}
      <form className="row" onSubmit={(e) => void add(e)} aria-label={`Add a desk to ${shop.name}`}>
        <label>
          New desk name
          <input name="name" required maxLength={60} placeholder="Desk 4" />
        </label>
        <button type="submit">Add desk</button>
      </form>
    </fieldset>
  );
}

function DeskRow({
  shop,
  desk,
  onSaved,
}: {
  shop: Shop;
  desk: ShopDesk;
  onSaved: (message: string) => void;
}) {
  const [name, setName] = useState(desk.name);
  const [active, setActive] = useState(desk.active);
  const change = async (body: { name?: string; active?: boolean }, done: string) => {
    try {
      await api(`/api/shop-desks/${desk.id}`, { method: 'PATCH', body });
      onSaved(`${shop.name}: ${done}`);
    } catch (e) {
      // Refused: the box shows what the server holds again.
      setActive(desk.active);
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  return (
    <li data-desk={desk.id} className={active ? undefined : 'muted'}>
      <input
        aria-label={`Name of desk ${desk.name}`}
        value={name}
        maxLength={60}
        onChange={(e) => setName(e.target.value)}
      />
      <button
        type="button"
        onClick={() => void change({ name }, `desk renamed to “${name.trim()}”.`)}
      >
        Rename
      </button>
      <label className="inline">
        <input
          type="checkbox"
          checked={active}
          onChange={(e) => {
            const on = e.target.checked;
            setActive(on);
            void change(
              { active: on },
              `${desk.name} ${on ? 'back in service' : 'out of service'}.`,
            );
          }}
        />
        {desk.name} in service
      </label>
    </li>
  );
}
