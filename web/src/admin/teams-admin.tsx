import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';

/** The New team form's fields, as its refusals name them. */
const newTeamLabels = { name: 'The team name', kind: 'The kind' };
const newTeamForm = 'new-team';
import { useSession } from '../app.tsx';
import { TeamCalendars } from './team-calendar-editor.tsx';

const kindNames: Record<string, string> = { contact_centre: 'Contact centre', shop: 'Shop' };

interface TeamView {
  id: number;
  name: string;
  kind: string;
  archived: boolean;
}

/**
 * Teams: create, rename, delete one without history or archive one with history (out of routing
 * and pickers, restorable); who belongs to which team, and their skills, are set under People.
 */
export function TeamsAdmin() {
  const { directory, refreshDirectory: refreshSession } = useSession();
  const [message, setMessage] = useState<string | null>(null);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [errors, setErrors] = useState<FieldErrors>({});
  const loadTeams = useCallback(() => {
    api<{ items: TeamView[] }>('/api/teams?archived=true').then(
      (r) => setTeams(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, []);
  useEffect(loadTeams, [loadTeams]);
  const refreshDirectory = () => {
    refreshSession();
    loadTeams();
  };
  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    try {
      const team = await api<{ name: string }>('/api/teams', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: { name: String(form.get('name')), kind: String(form.get('kind')) },
      });
      setMessage(`Team “${team.name}” created.`);
      setErrors({});
      formElement.reset();
      refreshDirectory();
    } catch (e) {
      setErrors(fieldErrorsOf(e, placeByName(newTeamLabels)).fields);
      setMessage(messageOf(e));
    }
  };
  return (
    <section aria-labelledby="teams-title">
      <h2 id="teams-title">Teams</h2>
      <p>Members and their skills are chosen per person under “People and roles”.</p>
      <p role="status">{message}</p>
      <table className="admin-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Kind</th>
            <th scope="col">Members</th>
            <th scope="col">
              <span className="visually-hidden">Save</span>
            </th>
            <th scope="col">
              <span className="visually-hidden">Archive or delete</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {teams.map((t) => (
            <TeamRow
              key={`${t.id}-${t.name}-${t.archived}`}
              team={t}
              members={directory.advisors.filter((a) => a.teamId === t.id).length}
              onSaved={(m) => {
                setMessage(m);
                refreshDirectory();
              }}
            />
          ))}
        </tbody>
      </table>
      <form className="admin-form" onSubmit={(e) => void add(e)} aria-labelledby="add-team-title">
        <h3 id="add-team-title">New team</h3>
        <label>
          Team name
          <input
            name="name"
            required
            maxLength={120}
            {...invalidProps(errors, newTeamForm, 'name')}
          />
          <FieldError errors={errors} form={newTeamForm} field="name" />
        </label>
        <label>
          Kind
          <select
            name="kind"
            defaultValue="contact_centre"
            {...invalidProps(errors, newTeamForm, 'kind')}
          >
            <option value="contact_centre">Contact centre</option>
            <option value="shop">Shop</option>
          </select>
          <FieldError errors={errors} form={newTeamForm} field="kind" />
        </label>
        <button type="submit" className="primary">
          Create team
        </button>
      </form>
      <TeamCalendars teams={directory.teams} />
    </section>
  );
}

function TeamRow({
  team,
  members,
  onSaved,
}: {
  team: TeamView;
  members: number;
  onSaved: (message: string) => void;
}) {
  const [name, setName] = useState(team.name);
  const [errors, setErrors] = useState<FieldErrors>({});
  const rowForm = `team-${team.id}`;
  const [confirmDelete, setConfirmDelete] = useState(false);
  const archive = async (archived: boolean) => {
    try {
      await api(`/api/teams/${team.id}`, { method: 'PATCH', body: { archived } });
      onSaved(archived ? `Team “${team.name}” archived.` : `Team “${team.name}” restored.`);
    } catch (e) {
      onSaved(`${team.name}: ${messageOf(e)}`);
    }
  };
  const remove = async () => {
    setConfirmDelete(false);
    try {
      await api(`/api/teams/${team.id}`, { method: 'DELETE' });
      onSaved(`Team “${team.name}” deleted.`);
    } catch (e) {
      onSaved(`${team.name}: ${messageOf(e)}`);
    }
  };
  const save = async () => {
    try {
      await api(`/api/teams/${team.id}`, { method: 'PATCH', body: { name } });
      setErrors({});
      onSaved(`Team renamed to “${name.trim()}”.`);
    } catch (e) {
      const { fields, other } = fieldErrorsOf(
        e,
        placeByName({ name: `The new name of ${team.name}` }),
      );
      setErrors(fields);
      // The sentences name the row already; other refusals are prefixed with it.
      onSaved(Object.keys(fields).length > 0 ? other : `${team.name}: ${other}`);
    }
  };
  return (
    <tr className={team.archived ? 'archived' : undefined}>
      <td>
        <input
          aria-label={`Name of team ${team.name}`}
          value={name}
          onChange={(e) => setName(e.target.value)}
          {...invalidProps(errors, rowForm, 'name')}
        />
        <FieldError errors={errors} form={rowForm} field="name" />
      </td>
      <td>
        {kindNames[team.kind] ?? team.kind}
        {team.archived && <strong> (archived)</strong>}
      </td>
      <td>{members}</td>
      <td>
        <button type="button" onClick={() => void save()} disabled={name.trim() === team.name}>
          Rename
        </button>
      </td>
      <td>
        {team.archived ? (
          <button type="button" onClick={() => void archive(false)}>
            Restore
          </button>
        ) : (
          <button type="button" onClick={() => void archive(true)}>
            Archive
          </button>
        )}{' '}
        {confirmDelete ? (
          <span role="alertdialog" aria-label={`Delete team ${team.name}?`}>
            Only a team without cases can go.{' '}
            <button type="button" className="danger" onClick={() => void remove()}>
              Yes, delete
            </button>{' '}
            <button type="button" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </span>
        ) : (
          <button type="button" onClick={() => setConfirmDelete(true)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}
