import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import type { Macro } from '../types.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';

/** The macro form's fields, as its refusals name them. */
const labels = { name: 'The name', body: 'The text' };
const macroForm = 'macro';

/** Saved answers with variables such as {{customer.firstName}} and {{advisor.name}}. */
export function MacrosAdmin() {
  const [macros, setMacros] = useState<Macro[] | null>(null);
  const [variables, setVariables] = useState<string[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<Macro | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const load = useCallback(() => {
    api<{ items: Macro[]; variables: string[] }>('/api/macros').then(
      (r) => {
        setMacros(r.items);
        setVariables(r.variables);
      },
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(load, [load]);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const body = { name: String(form.get('name')), body: String(form.get('body')) };
    try {
      if (editing) await api(`/api/macros/${editing.id}`, { method: 'PATCH', body });
      else await api('/api/macros', { method: 'POST', body, idempotencyKey: newKey() });
      setMessage(`Macro “${body.name}” saved.`);
      setErrors({});
      setEditing(null);
      formElement.reset();
      load();
    } catch (e) {
      setErrors(fieldErrorsOf(e, placeByName(labels)).fields);
      setMessage(messageOf(e));
    }
  };
  const remove = async (macro: Macro) => {
    try {
      await api(`/api/macros/${macro.id}`, { method: 'DELETE' });
      setMessage(`Macro “${macro.name}” deleted.`);
      load();
    } catch (e) {
      setMessage(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="macros-title">
      <h2 id="macros-title">Macros</h2>
      <p role="status">{message}</p>
      <ul className="macro-list">
        {(macros ?? []).map((m) => (
          <li key={m.id}>
            <strong>{m.name}</strong>
            <p className="text">{m.body}</p>
            <button
              type="button"
              onClick={() => {
                setErrors({});
                setEditing(m);
              }}
            >
              Edit {m.name}
            </button>{' '}
            <button type="button" className="danger" onClick={() => void remove(m)}>
              Delete {m.name}
            </button>
          </li>
        ))}
      </ul>
      <form
        key={editing?.id ?? 'new'}
        className="admin-form"
        onSubmit={(e) => void submit(e)}
        aria-labelledby="macro-form-title"
      >
        <h3 id="macro-form-title">{editing ? `Edit “${editing.name}”` : 'New macro'}</h3>
        <label>
          Name
          <input
            name="name"
            required
            maxLength={120}
            defaultValue={editing?.name ?? ''}
            {...invalidProps(errors, macroForm, 'name')}
          />
          <FieldError errors={errors} form={macroForm} field="name" />
        </label>
        <label>
          Text
          <textarea
            name="body"
            required
            rows={5}
            defaultValue={editing?.body ?? ''}
            {...invalidProps(errors, macroForm, 'body')}
          />
          <FieldError errors={errors} form={macroForm} field="body" />
        </label>
        <p className="hint">Variables: {variables.map((v) => `{{${v}}}`).join(' ')}</p>
        <button type="submit" className="primary">
          {editing ? 'Save macro' : 'Add macro'}
        </button>
        {editing && (
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        )}
      </form>
    </section>
  );
}
