import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiError, messageOf, newKey } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';

/** The New subscription form's fields, as its refusals name them. */
const newWebhookLabels = {
  name: 'The subscription name',
  url: 'The URL',
  eventTypes: 'The event types',
};
const newWebhookForm = 'new-webhook';

interface Subscription {
  readonly id: number;
  readonly name: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly active: boolean;
}

interface Attempt {
  readonly id: number;
  readonly deliveryId: string;
  readonly eventId: number;
  readonly eventType: string;
  readonly attempt: number;
  readonly outcome: 'delivered' | 'retrying' | 'failed';
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
  readonly durationMs: number;
  readonly at: string;
}

/** A refusal as a person reads it: each field the server named, with its reason. */
function explain(error: unknown): string {
  const fields = error instanceof ApiError ? error.problem?.errors : undefined;
  if (fields && fields.length > 0) return fields.map((f) => `${f.field}: ${f.reason}`).join('; ');
  return messageOf(error);
}

/**
 * Outbound webhooks for the company's own systems: subscriptions and their event types, the
 * signing secret shown once, test pings, the delivery log with redelivery, and the allow-list of
 * internal destinations.
 */
export function WebhooksAdmin() {
  const [subscriptions, setSubscriptions] = useState<Subscription[]>([]);
  const [allowList, setAllowList] = useState<string>('');
  const [message, setMessage] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [secret, setSecret] = useState<{ name: string; secret: string } | null>(null);
  const [selected, setSelected] = useState<Subscription | null>(null);

  const load = useCallback(() => {
    api<{ items: Subscription[] }>('/api/admin/webhooks').then(
      (r) => setSubscriptions(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(() => {
    load();
    api<{ entries: string[] }>('/api/admin/webhook-allow-list').then(
      (r) => setAllowList(r.entries.join('\n')),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, [load]);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const name = String(form.get('name')).trim();
    const eventTypes = String(form.get('eventTypes'))
      .split(/[\s,]+/)
      .filter((t) => t !== '');
    try {
      const created = await api<{ subscription: Subscription; secret: string }>(
        '/api/admin/webhooks',
        {
          method: 'POST',
          body: { name, url: String(form.get('url')).trim(), eventTypes },
          idempotencyKey: newKey(),
        },
      );
      setSecret({ name: created.subscription.name, secret: created.secret });
      setMessage(`Subscription “${created.subscription.name}” created.`);
      setErrors({});
      formElement.reset();
      load();
    } catch (e) {
      setErrors(fieldErrorsOf(e, placeByName(newWebhookLabels)).fields);
      setMessage(`Not created: ${explain(e)}`);
    }
  };

  const act = async (s: Subscription, what: 'ping' | 'rotate' | 'toggle' | 'delete') => {
    try {
      if (what === 'ping') {
        await api(`/api/admin/webhooks/${s.id}/ping`, { method: 'POST' });
        setMessage(`Test ping queued for “${s.name}”.`);
        setSelected(s);
      } else if (what === 'rotate') {
        const rotated = await api<{ secret: string }>(`/api/admin/webhooks/${s.id}/rotate-secret`, {
          method: 'POST',
        });
        setSecret({ name: s.name, secret: rotated.secret });
        setMessage(`New secret for “${s.name}”; the old one no longer signs.`);
      } else if (what === 'toggle') {
        await api(`/api/admin/webhooks/${s.id}`, { method: 'PATCH', body: { active: !s.active } });
        setMessage(`“${s.name}” ${s.active ? 'paused' : 'resumed'}.`);
      } else {
        await api(`/api/admin/webhooks/${s.id}`, { method: 'DELETE' });
        setMessage(`“${s.name}” deleted.`);
        if (selected?.id === s.id) setSelected(null);
      }
      load();
    } catch (e) {
      setMessage(explain(e));
    }
  };

  const saveAllowList = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const entries = allowList.split(/[\s,]+/).filter((e) => e !== '');
    try {
      const saved = await api<{ entries: string[] }>('/api/admin/webhook-allow-list', {
        method: 'PUT',
        body: { entries },
      });
      setAllowList(saved.entries.join('\n'));
      setMessage(
        `Allow-list saved (${saved.entries.length} ${saved.entries.length === 1 ? 'entry' : 'entries'}).`,
      );
    } catch (e) {
      setMessage(`Allow-list not saved: ${explain(e)}`);
    }
  };

  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p>
        Rapport POSTs the events your own systems (billing, CRM) subscribe to, signed with the
        subscription’s secret in <code>rapport-signature</code>, and retries failed deliveries.
      </p>
      <p role="status">{message}</p>
      {secret && (
        <div className="notice" role="alert" aria-label="Signing secret">
          <p>
            Signing secret of “{secret.name}”, shown this once; store it in the receiving system:
          </p>
          <p>
            <code data-testid="webhook-secret">{secret.secret}</code>
          </p>
          <button type="button" onClick={() => setSecret(null)}>
            I have stored it
          </button>
        </div>
      )}
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">URL</th>
            <th scope="col">Event types</th>
            <th scope="col">State</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {subscriptions.map((s) => (
            <tr key={s.id} data-subscription={s.id}>
              <th scope="row">{s.name}</th>
              <td>
                <code>{s.url}</code>
              </td>
              <td>{s.eventTypes.join(', ')}</td>
              <td>{s.active ? 'active' : 'paused'}</td>
              <td>
                <button type="button" onClick={() => setSelected(s)}>
                  Deliveries of {s.name}
                </button>{' '}
                <button type="button" onClick={() => void act(s, 'ping')}>
                  Send test ping to {s.name}
                </button>{' '}
                <button type="button" onClick={() => void act(s, 'rotate')}>
                  Rotate secret of {s.name}
                </button>{' '}
                <button type="button" onClick={() => void act(s, 'toggle')}>
                  {s.active ? 'Pause' : 'Resume'} {s.name}
                </button>{' '}
                <button type="button" className="danger" onClick={() => void act(s, 'delete')}>
                  Delete {s.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="admin-form"
        onSubmit={(e) => void create(e)}
        aria-labelledby="webhook-form-title"
      >
        <h3 id="webhook-form-title">New subscription</h3>
        <label>
          Subscription name
          <input
            name="name"
            required
            maxLength={120}
            {...invalidProps(errors, newWebhookForm, 'name')}
          />
          <FieldError errors={errors} form={newWebhookForm} field="name" />
        </label>
        <label>
          URL
          <input
            name="url"
            type="url"
            required
            maxLength={2000}
            placeholder="https://"
            {...invalidProps(errors, newWebhookForm, 'url')}
          />
          <FieldError errors={errors} form={newWebhookForm} field="url" />
        </label>
        <label>
          Event types
          <input
            name="eventTypes"
            required
            placeholder="interaction.received, conversation.*"
            size={36}
            {...invalidProps(errors, newWebhookForm, 'eventTypes')}
          />
          <FieldError errors={errors} form={newWebhookForm} field="eventTypes" />
        </label>
        <button type="submit">Create subscription</button>
      </form>
      {selected && <DeliveryLog key={selected.id} subscription={selected} onMessage={setMessage} />}
      <form
        className="admin-form"
        onSubmit={(e) => void saveAllowList(e)}
        aria-labelledby="allow-list-title"
      >
        <h3 id="allow-list-title">Internal destinations</h3>
        <p>
          URLs that resolve to private, loopback or link-local addresses are refused unless listed
          here: host names, IP addresses or CIDR ranges, one a line.
        </p>
        <label>
          Allowed internal hosts and ranges
          <textarea rows={3} value={allowList} onChange={(e) => setAllowList(e.target.value)} />
        </label>
        <button type="submit">Save allow-list</button>
      </form>
    </section>
  );
}

/** The attempts of one subscription's deliveries, refreshed while it is open. */
function DeliveryLog({
  subscription,
  onMessage,
}: {
  subscription: Subscription;
  onMessage: (message: string) => void;
}) {
  const [attempts, setAttempts] = useState<Attempt[] | null>(null);
  const load = useCallback(() => {
    api<{ items: Attempt[] }>(`/api/admin/webhooks/${subscription.id}/deliveries`).then(
      (r) => setAttempts(r.items),
      (e: unknown) => onMessage(messageOf(e)),
    );
  }, [subscription.id, onMessage]);
  useEffect(() => {
    load();
    // Deliveries happen in the background: look again every few seconds while the log is open.
    const timer = setInterval(load, 2_000);
    return () => clearInterval(timer);
  }, [load]);
  const redeliver = async (a: Attempt) => {
    try {
      await api(`/api/admin/webhook-deliveries/${a.id}/redeliver`, {
        method: 'POST',
        idempotencyKey: newKey(),
      });
      onMessage(`Event ${a.eventId} queued again for “${subscription.name}”.`);
      load();
    } catch (e) {
      onMessage(explain(e));
    }
  };
  return (
    <section aria-labelledby="delivery-log-title">
      <h3 id="delivery-log-title">Delivery log of {subscription.name}</h3>
      <button type="button" onClick={load}>
        Refresh
      </button>
      {attempts !== null && attempts.length === 0 && <p>No delivery yet.</p>}
      <table className="admin-table" aria-label={`Delivery log of ${subscription.name}`}>
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Attempt</th>
            <th scope="col">Outcome</th>
            <th scope="col">Answer</th>
            <th scope="col">Time</th>
            <th scope="col">
              <span className="visually-hidden">Redeliver</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(attempts ?? []).map((a) => (
            <tr key={a.id} data-delivery={a.deliveryId} data-outcome={a.outcome}>
              <td>{new Date(a.at).toLocaleString()}</td>
              <td>
                <code>{a.eventType}</code> #{a.eventId}
              </td>
              <td>{a.attempt}</td>
              <td>{a.outcome}</td>
              <td>
                {a.statusCode !== null ? `HTTP ${a.statusCode}` : ''}{' '}
                <small>{a.error ?? a.responseExcerpt ?? ''}</small>
              </td>
              <td>{a.durationMs} ms</td>
              <td>
                <button type="button" onClick={() => void redeliver(a)}>
                  Redeliver event {a.eventId}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
