import { useState } from 'react';
import { api } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';
import { useSession } from '../app.tsx';
import type { Shop } from '../types.ts';
import { TimeZoneSelect } from './shop-time-zones.tsx';

const labels = {
  name: 'The name',
  city: 'The city',
  address: 'The address',
  postcode: 'The postcode',
  latitude: 'The latitude',
  longitude: 'The longitude',
  timeZone: 'The time zone',
  teamId: 'The team',
};

/** A number field's text as a number, or null when empty. */
const numberOrNull = (text: string): number | null => (text.trim() === '' ? null : Number(text));

/** Where a shop is and in which zone: name, address, postcode, place on the map, team. */
export function ShopDetails({ shop, onSaved }: { shop: Shop; onSaved: (message: string) => void }) {
  const { directory } = useSession();
  const [draft, setDraft] = useState({
    name: shop.name,
    city: shop.city,
    address: shop.address,
    postcode: shop.postcode,
    latitude: shop.latitude === null ? '' : String(shop.latitude),
    longitude: shop.longitude === null ? '' : String(shop.longitude),
    timeZone: shop.timeZone,
    teamId: shop.teamId === null ? '' : String(shop.teamId),
  });
  const set = (change: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...change }));
  const [errors, setErrors] = useState<FieldErrors>({});
  const form = `shop-${shop.id}-details`;
  const save = async () => {
    try {
      await api(`/api/shops/${shop.id}`, {
        method: 'PATCH',
        body: {
          name: draft.name,
          city: draft.city,
          address: draft.address,
          postcode: draft.postcode,
          latitude: numberOrNull(draft.latitude),
          longitude: numberOrNull(draft.longitude),
          timeZone: draft.timeZone,
          teamId: draft.teamId ? Number(draft.teamId) : null,
        },
      });
      setErrors({});
      onSaved(`${draft.name.trim()}: shop saved.`);
    } catch (e) {
      const { fields, other } = fieldErrorsOf(e, placeByName(labels));
      setErrors(fields);
      onSaved(`${shop.name}: ${other}`);
    }
  };
  return (
    <fieldset className="shop-part row">
      <legend>Where it is</legend>
      <label>
        Name of {shop.name}
        <input
          value={draft.name}
          maxLength={120}
          onChange={(e) => set({ name: e.target.value })}
          {...invalidProps(errors, form, 'name')}
        />
        <FieldError errors={errors} form={form} field="name" />
      </label>
      <label>
        Address of {shop.name}
        <input
          value={draft.address}
          maxLength={300}
          onChange={(e) => set({ address: e.target.value })}
          {...invalidProps(errors, form, 'address')}
        />
        <FieldError errors={errors} form={form} field="address" />
      </label>
      <label>
        Postcode of {shop.name}
        <input
          value={draft.postcode}
          maxLength={20}
          onChange={(e) => set({ postcode: e.target.value })}
          {...invalidProps(errors, form, 'postcode')}
        />
        <FieldError errors={errors} form={form} field="postcode" />
      </label>
      <label>
        City of {shop.name}
        <input
          value={draft.city}
          maxLength={120}
          onChange={(e) => set({ city: e.target.value })}
          {...invalidProps(errors, form, 'city')}
        />
        <FieldError errors={errors} form={form} field="city" />
      </label>
      <label>
        Latitude of {shop.name}
        <input
          type="number"
          step="any"
          min={-90}
          max={90}
          value={draft.latitude}
          onChange={(e) => set({ latitude: e.target.value })}
          {...invalidProps(errors, form, 'latitude')}
        />
        <FieldError errors={errors} form={form} field="latitude" />
      </label>
      <label>
        Longitude of {shop.name}
        <input
          type="number"
          step="any"
          min={-180}
          max={180}
          value={draft.longitude}
          onChange={(e) => set({ longitude: e.target.value })}
          {...invalidProps(errors, form, 'longitude')}
        />
        <FieldError errors={errors} form={form} field="longitude" />
      </label>
      <TimeZoneSelect
        label={`Time zone of ${shop.name}`}
        value={draft.timeZone}
        onChange={(timeZone) => set({ timeZone })}
      />
      <FieldError errors={errors} form={form} field="timeZone" />
      <label>
        Team of {shop.name}
        <select
          aria-label={`Team of ${shop.name}`}
          value={draft.teamId}
          onChange={(e) => set({ teamId: e.target.value })}
        >
          <option value="">No team</option>
          {directory.teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={form} field="teamId" />
      </label>
      <button type="button" onClick={() => void save()}>
        Save shop
      </button>
    </fieldset>
  );
}
