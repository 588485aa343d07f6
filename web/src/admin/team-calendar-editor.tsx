import { useEffect, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { TeamCalendar, TeamHoliday } from '../../../src/api-types/routing.ts';
import { FieldError, fieldErrorsOf, invalidProps, type FieldErrors } from './field-errors.tsx';
import {
  WeekHoursTable,
  hoursOf,
  periodsOf,
  placeHoursError,
  weekText,
  type WeekPeriods,
} from './shop-hours-editor.tsx';
import { TimeZoneSelect } from './shop-time-zones.tsx';

/**
 * Business hours of the teams: pick a team, edit its calendar. Written channels' service-level clocks
 * (email, SMS, social) count only these hours; calls and chats run on the wall clock.
 */
export function TeamCalendars({ teams }: { teams: ReadonlyArray<{ id: number; name: string }> }) {
  const [teamId, setTeamId] = useState<number | null>(teams[0]?.id ?? null);
  const team = teams.find((t) => t.id === teamId) ?? teams[0];
  return (
    <section aria-labelledby="team-calendar-title" className="shop-part">
      <h3 id="team-calendar-title">Business hours and holidays</h3>
      <p>
        Service-level clocks of written channels (email, SMS, social) count only a team’s business
        hours; calls and chats always count every second. A team without hours counts 24 × 7.
      </p>
      <label>
        Team
        <select
          aria-label="Team whose calendar to edit"
          value={team?.id ?? ''}
          onChange={(e) => setTeamId(Number(e.target.value))}
        >
          {teams.map((t) => (
            <option key={t.id} value={t.id}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      {team && <TeamCalendarEditor key={team.id} team={team} />}
    </section>
  );
}

/** One team's calendar: its zone, weekly hours and dated holidays, saved together. */
export function TeamCalendarEditor({ team }: { team: { id: number; name: string } }) {
  const [calendar, setCalendar] = useState<TeamCalendar | null>(null);
  const [timeZone, setTimeZone] = useState('');
  const [days, setDays] = useState<WeekPeriods>([]);
  const [holidays, setHolidays] = useState<TeamHoliday[]>([]);
  const [newDate, setNewDate] = useState('');
  const [newName, setNewName] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  const form = `team-${team.id}-calendar`;

  const show = (c: TeamCalendar) => {
    setCalendar(c);
    setTimeZone(c.timeZone);
    setDays(periodsOf(c.hours));
    setHolidays([...c.holidays]);
  };
  useEffect(() => {
    api<TeamCalendar>(`/api/teams/${team.id}/calendar`).then(show, (e: unknown) =>
      setMessage(messageOf(e)),
    );
  }, [team.id]);

  const addHoliday = () => {
    const local: Record<string, string> = {};
    if (!newDate) local['new.date'] = 'Give the date of the holiday';
    else if (holidays.some((h) => h.date === newDate))
      local['new.date'] = `${newDate} is already a holiday`;
    if (!newName.trim()) local['new.name'] = 'Say what the day is (Christmas Day, a team day out)';
    setErrors(local);
    if (Object.keys(local).length > 0) return;
    setHolidays((all) =>
      [...all, { date: newDate, name: newName.trim() }].sort((a, b) =>
        a.date.localeCompare(b.date),
      ),
    );
    setNewDate('');
    setNewName('');
    setMessage(`${newDate} added: save the calendar to keep it.`);
  };

  const save = async () => {
    try {
      const saved = await api<TeamCalendar>(`/api/teams/${team.id}/calendar`, {
        method: 'PUT',
        body: { timeZone, hours: hoursOf(days), holidays },
      });
      show(saved);
      setErrors({});
      setMessage(`${team.name}: calendar saved.`);
    } catch (e) {
      const hoursPlace = placeHoursError(days);
      const { fields, other } = fieldErrorsOf(e, (path) => {
        if (path[0] === 'timeZone') return { key: 'timeZone', label: 'The time zone' };
        if (path[0] === 'holidays' && typeof path[1] === 'number') {
          const holiday = holidays[path[1]];
          const what = holiday ? `The holiday of ${holiday.date}` : 'A holiday';
          return {
            key: `holiday.${path[1]}`,
            label: path[2] === 'name' ? `${what}: its name` : what,
          };
        }
        return hoursPlace(path);
      });
      setErrors(fields);
      setMessage(`${team.name}: ${other}`);
    }
  };

  if (!calendar) return <p role="status">{message ?? 'Loading the calendar…'}</p>;
  return (
    <div className="team-calendar" aria-label={`Calendar of ${team.name}`} role="group">
      <p className="muted">
        {calendar.saved ? `Now: ${weekText(calendar.hours)}.` : 'Not set yet: counts 24 × 7.'}
      </p>
      <TimeZoneSelect label={`Time zone of ${team.name}`} value={timeZone} onChange={setTimeZone} />
      <FieldError errors={errors} form={form} field="timeZone" />
      <WeekHoursTable days={days} onChange={setDays} errors={errors} form={form} step={60} />
      <h4>Holidays</h4>
      {holidays.length === 0 ? (
        <p className="muted">No holidays.</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">Holiday</th>
              <th scope="col">
                <span className="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {holidays.map((h, i) => (
              <tr key={h.date} data-holiday={h.date}>
                <td>{h.date}</td>
                <td>
                  {h.name}
                  <FieldError errors={errors} form={form} field={`holiday.${i}`} />
                </td>
                <td>
                  <button
                    type="button"
                    aria-label={`Remove the holiday of ${h.date}`}
                    onClick={() => setHolidays((all) => all.filter((x) => x.date !== h.date))}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <label>
          Holiday date
          <input
            type="date"
            value={newDate}
            onChange={(e) => setNewDate(e.target.value)}
            {...invalidProps(errors, form, 'new.date')}
          />
          <FieldError errors={errors} form={form} field="new.date" />
        </label>
        <label>
          Holiday name
          <input
            value={newName}
            maxLength={80}
            placeholder="Christmas Day"
            onChange={(e) => setNewName(e.target.value)}
            {...invalidProps(errors, form, 'new.name')}
          />
          <FieldError errors={errors} form={form} field="new.name" />
        </label>
        <button type="button" onClick={addHoliday}>
          Add holiday
        </button>
      </div>
      <p role="status">{message}</p>
      <button type="button" className="primary" onClick={() => void save()}>
        Save calendar
      </button>
    </div>
  );
}
