import { useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import type { Shop } from '../types.ts';
import type { ShopService } from '../../../src/api-types/shop-floor.ts';

const skillsOf = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The service catalogue every shop picks from: a letter for its walk-in tickets, duration and
 * buffer in five-minute steps, the skills it needs, booked and/or walk-in, switched on or off.
 */
export function ShopServicesAdmin({
  services,
  onSaved,
}: {
  services: ShopService[];
  onSaved: (message: string) => void;
}) {
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    try {
      const created = await api<ShopService>('/api/shop-services', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          code: String(form.get('code')),
          name: String(form.get('name')),
          ticketPrefix: String(form.get('ticketPrefix')).toUpperCase(),
          durationMinutes: Number(form.get('durationMinutes')),
          bufferMinutes: Number(form.get('bufferMinutes')),
          skills: skillsOf(String(form.get('skills'))),
          bookable: form.get('bookable') === 'on',
          walkIn: form.get('walkIn') === 'on',
        },
      });
      onSaved(`Service “${created.name}” added with tickets ${created.ticketPrefix}-001….`);
      formElement.reset();
    } catch (e) {
      onSaved(messageOf(e));
    }
  };
  return (
    <section aria-labelledby="services-title">
      <h3 id="services-title">Service catalogue</h3>
      <p className="hint">
        Durations and buffers go in five-minute steps: the booking calendar counts capacity in
        five-minute cells. Each active service has its own ticket letter.
      </p>
      <table className="admin-table services">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Letter</th>
            <th scope="col">Minutes</th>
            <th scope="col">Buffer</th>
            <th scope="col">Skills</th>
            <th scope="col">Booked</th>
            <th scope="col">Walk-in</th>
            <th scope="col">Active</th>
            <th scope="col">
              <span className="visually-hidden">Save</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {services.map((s) => (
            <ServiceRow key={s.id} service={s} onSaved={onSaved} />
          ))}
        </tbody>
      </table>
      <form
        className="admin-form"
        onSubmit={(e) => void add(e)}
        aria-labelledby="add-service-title"
      >
        <h4 id="add-service-title">Add a service</h4>
        <label>
          Service name
          <input name="name" required maxLength={120} />
        </label>
        <label>
          Code
          <input
            name="code"
            required
            maxLength={60}
            pattern="[a-z0-9]+(-[a-z0-9]+)*"
            placeholder="screen-repair"
          />
        </label>
        <label>
          Ticket letter
          <input name="ticketPrefix" required maxLength={1} pattern="[A-Za-z]" size={2} />
        </label>
        <label>
          Duration (minutes)
          <input
            name="durationMinutes"
            type="number"
            required
            min={5}
            max={480}
            step={5}
            defaultValue={20}
          />
        </label>
        <label>
          Buffer (minutes)
          <input
            name="bufferMinutes"
            type="number"
            required
            min={0}
            max={120}
            step={5}
            defaultValue={5}
          />
        </label>
        <label>
          Skills needed
          <input name="skills" placeholder="repairs, sales" />
        </label>
        <label className="inline">
          <input type="checkbox" name="bookable" defaultChecked /> Bookable
        </label>
        <label className="inline">
          <input type="checkbox" name="walkIn" defaultChecked /> Walk-in
        </label>
        <button type="submit" className="primary">
          Add service
        </button>
      </form>
    </section>
  );
}

function ServiceRow({
  service,
  onSaved,
}: {
  service: ShopService;
  onSaved: (message: string) => void;
}) {
  const [draft, setDraft] = useState({
    name: service.name,
    ticketPrefix: service.ticketPrefix,
    durationMinutes: String(service.durationMinutes),
    bufferMinutes: String(service.bufferMinutes),
    skills: service.skills.join(', '),
    bookable: service.bookable,
    walkIn: service.walkIn,
    active: service.active,
  });
  const set = (change: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...change }));
  const save = async () => {
    try {
      await api(`/api/shop-services/${service.id}`, {
        method: 'PATCH',
        body: {
          name: draft.name,
          ticketPrefix: draft.ticketPrefix.toUpperCase(),
          durationMinutes: Number(draft.durationMinutes),
          bufferMinutes: Number(draft.bufferMinutes),
          skills: skillsOf(draft.skills),
          bookable: draft.bookable,
          walkIn: draft.walkIn,
          active: draft.active,
        },
      });
      onSaved(`Service “${draft.name.trim()}” saved.`);
    } catch (e) {
      onSaved(`${service.name}: ${messageOf(e)}`);
    }
  };
  const of = ` of ${service.name}`;
  return (
    <tr data-service={service.code} className={service.active ? undefined : 'muted'}>
      <th scope="row">
        <input
          aria-label={`Name${of}`}
          value={draft.name}
          onChange={(e) => set({ name: e.target.value })}
        />
        <br />
        <small>{service.code}</small>
      </th>
      <td>
        <input
          aria-label={`Ticket letter${of}`}
          value={draft.ticketPrefix}
          maxLength={1}
          size={2}
          onChange={(e) => set({ ticketPrefix: e.target.value })}
        />
      </td>
      <td>
        <input
          aria-label={`Duration${of}`}
          type="number"
          min={5}
          max={480}
          step={5}
          value={draft.durationMinutes}
          onChange={(e) => set({ durationMinutes: e.target.value })}
        />
      </td>
      <td>
        <input
          aria-label={`Buffer${of}`}
          type="number"
          min={0}
          max={120}
          step={5}
          value={draft.bufferMinutes}
          onChange={(e) => set({ bufferMinutes: e.target.value })}
        />
      </td>
      <td>
        <input
          aria-label={`Skills${of}`}
          value={draft.skills}
          onChange={(e) => set({ skills: e.target.value })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Bookable${of}`}
          checked={draft.bookable}
          onChange={(e) => set({ bookable: e.target.checked })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Walk-in${of}`}
          checked={draft.walkIn}
          onChange={(e) => set({ walkIn: e.target.checked })}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Active${of}`}
          checked={draft.active}
          onChange={(e) => set({ active: e.target.checked })}
        />
      </td>
      <td>
        <button type="button" onClick={() => void save()} aria-label={`Save ${service.name}`}>
          Save
        </button>
      </td>
    </tr>
  );
}

/** Which services of the catalogue this shop offers. */
export function ShopOfferedEditor({
  shop,
  services,
  onSaved,
}: {
  shop: Shop;
  services: ShopService[];
  onSaved: (message: string) => void;
}) {
  const [chosen, setChosen] = useState<number[]>(shop.serviceIds);
  const save = async () => {
    try {
      await api(`/api/shops/${shop.id}/services`, {
        method: 'PUT',
        body: { serviceIds: chosen },
      });
      onSaved(`${shop.name}: services saved.`);
    } catch (e) {
      onSaved(`${shop.name}: ${messageOf(e)}`);
    }
  };
  return (
    <fieldset className="shop-part row">
      <legend>Services offered here</legend>
      {services.length === 0 && (
        <p className="muted">The service catalogue below has no service yet: add one there.</p>
      )}
      {services
        .filter((s) => s.active || shop.serviceIds.includes(s.id))
        .map((s) => (
          <label key={s.id} className="inline">
            <input
              type="checkbox"
              checked={chosen.includes(s.id)}
              onChange={(e) =>
                setChosen((all) =>
                  e.target.checked ? [...all, s.id] : all.filter((id) => id !== s.id),
                )
              }
            />
            {s.name} ({s.ticketPrefix}, {s.durationMinutes} min)
          </label>
        ))}
      <button type="button" onClick={() => void save()}>
        Save services
      </button>
    </fieldset>
  );
}
