import { useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import { useSession } from '../app.tsx';
import { TeamCalendars } from './team-calendar-editor.tsx';

const kindNames: Record<string, string> = { contact_centre: 'Contact centre', shop: 'Shop' };

/** Teams: create and rename; who belongs to which team, and their skills, are set under People. */
export function TeamsAdmin() {
  const { directory, refreshDirectory } = useSession();
  const [message, setMessage] = useState<string | null>(null);
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
      formElement.reset();
      refreshDirectory();
    } catch (e) {
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
          </tr>
        </thead>
        <tbody>
          {directory.teams.map((t) => (
            <TeamRow
              key={`${t.id}-${t.name}`}
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
          <input name="name" required maxLength={120} />
        </label>
        <label>
          Kind
          <select name="kind" defaultValue="contact_centre">
            <option value="contact_centre">Contact centre</option>
            <option value="shop">Shop</option>
          </select>
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
  team: { id: number; name: string; kind: string };
  members: number;
  onSaved: (message: string) => void;
}) {
  const [name, setName] = useState(team.name);
  const save = async () => {
    try {
      await api(`/api/teams/${team.id}`, { method: 'PATCH', body: { name } });
      onSaved(`Team renamed to “${name.trim()}”.`);
    } catch (e) {
      onSaved(`${team.name}: ${messageOf(e)}`);
    }
  };
  return (
    <tr>
      <td>
        <input
          aria-label={`Name of team ${team.name}`}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </td>
      <td>{kindNames[team.kind] ?? team.kind}</td>
      <td>{members}</td>
      <td>
        <button type="button" onClick={() => void save()} disabled={name.trim() === team.name}>
          Rename
        </button>
      </td>
    </tr>
  );
}
