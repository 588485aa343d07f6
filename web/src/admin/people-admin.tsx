import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, messageOf, newKey } from '../api.ts';
import type { Advisor, Role } from '../types.ts';
import { useSession } from '../app.tsx';
import { followLink, href } from '../router.ts';
import {
  FieldError,
  fieldErrorsOf,
  invalidProps,
  placeByName,
  type FieldErrors,
} from './field-errors.tsx';
import { PasswordLinkBox, PasswordLinkButtons, type ShownLink } from './invites-admin.tsx';

const roleOptions: ReadonlyArray<{ role: Role; name: string }> = [
  { role: 'advisor', name: 'Advisor' },
  { role: 'shop_advisor', name: 'Shop advisor' },
  { role: 'supervisor', name: 'Supervisor' },
  { role: 'admin', name: 'Administrator' },
  { role: 'integration', name: 'Integration (API only)' },
];

interface Shop {
  id: number;
  name: string;
}

/** The Add a person form's fields, as its refusals name them. */
const newPersonLabels = {
  name: 'The name',
  email: 'The email',
  role: 'The role',
  teamId: 'The team',
  shopId: 'The shop',
  skills: 'The skills',
  languages: 'The languages',
  password: 'The first password',
};
const newPersonForm = 'new-person';
/** A person's row in the table, its refusals naming the person. */
const personRowLabels = (name: string) => ({
  role: `${name}'s role`,
  teamId: `${name}'s team`,
  skills: `${name}'s skills`,
  languages: `${name}'s languages`,
  active: `Switching ${name} off`,
});

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Users and roles, their team or shop, skills and languages. */
export function PeopleAdmin() {
  const { directory, refreshDirectory } = useSession();
  const [people, setPeople] = useState<Advisor[] | null>(null);
  const [shops, setShops] = useState<Shop[]>([]);
  const [message, setMessage] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [link, setLink] = useState<ShownLink | null>(null);
  const load = useCallback(() => {
    api<{ items: Advisor[] }>('/api/advisors').then(
      (r) => setPeople(r.items),
      (e: unknown) => setMessage(messageOf(e)),
    );
    api<{ items: Shop[] }>('/api/shops').then(
      (r) => setShops(r.items),
      () => setShops([]),
    );
  }, []);
  useEffect(load, [load]);

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const teamId = String(form.get('teamId'));
    const shopId = String(form.get('shopId'));
    const password = String(form.get('password'));
    const languages = list(String(form.get('languages') ?? ''));
    try {
      const created = await api<Advisor>('/api/advisors', {
        method: 'POST',
        idempotencyKey: newKey(),
        body: {
          name: String(form.get('name')),
          email: String(form.get('email')),
          role: String(form.get('role')),
          teamId: teamId ? Number(teamId) : null,
          shopId: shopId ? Number(shopId) : null,
          skills: list(String(form.get('skills'))),
          ...(languages.length > 0 ? { languages } : {}),
          ...(password ? { password } : {}),
        },
      });
      setMessage(
        password || created.role === 'integration'
          ? `${created.name} was added as ${created.role}.`
          : `${created.name} was added as ${created.role}, without a password: they cannot sign in until they set one. Use Invite on their row to send them a set-password link.`,
      );
      setErrors({});
      formElement.reset();
      load();
      refreshDirectory();
    } catch (e) {
      const { fields } = fieldErrorsOf(e, placeByName(newPersonLabels));
      setErrors(fields);
      setMessage(messageOf(e));
    }
  };

  return (
    <section aria-labelledby="people-title">
      <h2 id="people-title">People and roles</h2>
      <p role="status">{message}</p>
      {link && <PasswordLinkBox link={link} onClose={() => setLink(null)} />}
      {people === null ? (
        <p>Loading…</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Role</th>
              <th scope="col">Team</th>
              <th scope="col">Skills</th>
              <th scope="col">Languages</th>
              <th scope="col">Active</th>
              <th scope="col">
                <span className="visually-hidden">Save</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {people.map((p) => (
              <PersonRow
                key={p.id}
                person={p}
                teams={directory.teams}
                onSaved={(m) => {
                  setMessage(m);
                  load();
                  refreshDirectory();
                }}
                onLink={setLink}
              />
            ))}
          </tbody>
        </table>
      )}
      <p>
        Teams are created and renamed under{' '}
        <a href={href('/admin/teams')} onClick={(e) => followLink(e, '/admin/teams')}>
          Teams
        </a>
        ; each person’s team and skills are saved in the table above.
      </p>
      <form className="admin-form" onSubmit={(e) => void add(e)} aria-labelledby="add-person-title">
        <h3 id="add-person-title">Add a person</h3>
        <label>
          Name
          <input
            name="name"
            required
            maxLength={120}
            {...invalidProps(errors, newPersonForm, 'name')}
          />
          <FieldError errors={errors} form={newPersonForm} field="name" />
        </label>
        <label>
          Email
          <input
            name="email"
            type="email"
            required
            {...invalidProps(errors, newPersonForm, 'email')}
          />
          <FieldError errors={errors} form={newPersonForm} field="email" />
        </label>
        <label>
          Role
          <select
            name="role"
            {...invalidProps(errors, newPersonForm, 'role')}
            defaultValue="advisor"
          >
            {roleOptions.map((r) => (
              <option key={r.role} value={r.role}>
                {r.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} form={newPersonForm} field="role" />
        </label>
        <label>
          Team
          <select name="teamId" {...invalidProps(errors, newPersonForm, 'teamId')} defaultValue="">
            <option value="">No team</option>
            {directory.teams.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} form={newPersonForm} field="teamId" />
        </label>
        <label>
          Shop (shop advisors)
          <select name="shopId" {...invalidProps(errors, newPersonForm, 'shopId')} defaultValue="">
            <option value="">No shop</option>
            {shops.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <FieldError errors={errors} form={newPersonForm} field="shopId" />
        </label>
        <label>
          Skills (comma separated)
          <input name="skills" {...invalidProps(errors, newPersonForm, 'skills')} />
          <FieldError errors={errors} form={newPersonForm} field="skills" />
        </label>
        <label>
          Languages (codes such as en, fr; English when empty)
          <input name="languages" {...invalidProps(errors, newPersonForm, 'languages')} />
          <FieldError errors={errors} form={newPersonForm} field="languages" />
        </label>
        <label>
          First password (10 characters or more)
          <input
            name="password"
            type="password"
            minLength={10}
            autoComplete="new-password"
            aria-describedby={
              errors.password === undefined
                ? 'password-hint'
                : `password-hint ${invalidProps(errors, newPersonForm, 'password')['aria-describedby']}`
            }
            aria-invalid={errors.password === undefined ? undefined : true}
          />
          <FieldError errors={errors} form={newPersonForm} field="password" />
        </label>
        <p id="password-hint" className="hint">
          Without a password the person cannot sign in until one is set.
        </p>
        <button type="submit" className="primary">
          Add person
        </button>
      </form>
    </section>
  );
}

function PersonRow({
  person,
  teams,
  onSaved,
  onLink,
}: {
  person: Advisor;
  teams: ReadonlyArray<{ id: number; name: string }>;
  onSaved: (message: string) => void;
  onLink: (link: ShownLink) => void;
}) {
  const [role, setRole] = useState(person.role);
  const [teamId, setTeamId] = useState(person.teamId === null ? '' : String(person.teamId));
  const [skills, setSkills] = useState(person.skills.join(', '));
  const [languages, setLanguages] = useState(person.languages.join(', '));
  const [active, setActive] = useState(person.active);
  const [errors, setErrors] = useState<FieldErrors>({});
  const rowForm = `person-${person.id}`;
  const { me } = useSession();
  // Changing one's own role (or switching oneself off) takes a second, explicit click.
  const [confirming, setConfirming] = useState(false);
  const changesSelf = person.id === me.id && (role !== person.role || !active);
  const save = async () => {
    if (changesSelf && !confirming) {
      setConfirming(true);
      return;
    }
    setConfirming(false);
    try {
      await api(`/api/advisors/${person.id}`, {
        method: 'PATCH',
        body: {
          role,
          teamId: teamId ? Number(teamId) : null,
          skills: list(skills),
          languages: list(languages),
          active,
        },
      });
      setErrors({});
      onSaved(`${person.name} saved.`);
    } catch (e) {
      // Refused: the row shows what is stored again, not the change that did not happen, and says
      // why next to the field refused.
      setRole(person.role);
      setActive(person.active);
      const { fields, other } = fieldErrorsOf(e, placeByName(personRowLabels(person.name)));
      setErrors(fields);
      // The sentences name the row already; other refusals are prefixed with it.
      onSaved(Object.keys(fields).length > 0 ? other : `${person.name}: ${other}`);
    }
  };
  return (
    <tr>
      <th scope="row">
        {person.name}
        <br />
        <small>{person.email}</small>
      </th>
      <td>
        <select
          aria-label={`Role of ${person.name}`}
          {...invalidProps(errors, rowForm, 'role')}
          value={role}
          onChange={(e) => setRole(e.target.value as Role)}
        >
          {roleOptions.map((r) => (
            <option key={r.role} value={r.role}>
              {r.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={rowForm} field="role" />
      </td>
      <td>
        <select
          aria-label={`Team of ${person.name}`}
          {...invalidProps(errors, rowForm, 'teamId')}
          value={teamId}
          onChange={(e) => setTeamId(e.target.value)}
        >
          <option value="">No team</option>
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
        <FieldError errors={errors} form={rowForm} field="teamId" />
      </td>
      <td>
        <input
          aria-label={`Skills of ${person.name}`}
          {...invalidProps(errors, rowForm, 'skills')}
          value={skills}
          onChange={(e) => setSkills(e.target.value)}
        />
        <FieldError errors={errors} form={rowForm} field="skills" />
      </td>
      <td>
        <input
          aria-label={`Languages of ${person.name}`}
          {...invalidProps(errors, rowForm, 'languages')}
          value={languages}
          onChange={(e) => setLanguages(e.target.value)}
          size={8}
        />
        <FieldError errors={errors} form={rowForm} field="languages" />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`${person.name} is active`}
          checked={active}
          onChange={(e) => setActive(e.target.checked)}
        />
      </td>
      <td>
        {confirming ? (
          <div role="alertdialog" aria-label="Change your own access?" className="confirm">
            <p>
              {active
                ? `You are changing your own role to ${roleOptions.find((r) => r.role === role)?.name ?? role}: you may lose access to this screen.`
                : 'You are switching off your own account: you will be signed out.'}
            </p>
            <button type="button" className="danger" onClick={() => void save()}>
              Yes, change my own access
            </button>{' '}
            <button
              type="button"
              onClick={() => {
                setConfirming(false);
                setRole(person.role);
                setActive(person.active);
              }}
            >
              Keep it
            </button>
          </div>
        ) : (
          <>
            <button type="button" onClick={() => void save()}>
              Save
            </button>{' '}
            <PasswordLinkButtons person={person} onLink={onLink} onError={onSaved} />
          </>
        )}
      </td>
    </tr>
  );
}
