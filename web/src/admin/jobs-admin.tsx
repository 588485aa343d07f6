import { useCallback, useEffect, useState } from 'react';
import { api, messageOf, query } from '../api.ts';
import type { JobState, JobView as Job } from '../../../src/api-types/jobs.ts';

// Dead first: what an admin comes here to see.
const states = ['dead', 'queued', 'running', 'done'] as const satisfies readonly JobState[];

const stateNames: Record<JobState, string> = {
  dead: 'Dead',
  queued: 'Queued',
  running: 'Running',
  done: 'Done',
};

const emptyTexts: Record<JobState, string> = {
  dead: 'No dead job: nothing was given up.',
  queued: 'No job is waiting.',
  running: 'No job is running.',
  done: 'No finished job yet, or they were cleared.',
};

const stateHints: Record<JobState, string> = {
  dead: 'Given up after their last attempt, or at once for a permanent error. Retry one once its cause is fixed.',
  queued: 'Waiting for their time, or for a worker.',
  running: 'Claimed by a worker right now.',
  done: 'Finished well; cleared after a while.',
};

/**
 * What a job is for, as an admin reads it. The list carries no payload (it may hold what only its
 * owner shows), so this reads the job's type and its key, which each owner builds the same way.
 */
export function describeJob(job: Pick<Job, 'type' | 'key'>): string {
  if (job.type === 'channel.send') {
    const send = /^send:(\d+)(?::retry-(\d+))?$/.exec(job.key ?? '');
    if (send) return `send reply #${send[1]}${send[2] ? ` (advisor’s retry ${send[2]})` : ''}`;
    return 'send a reply';
  }
  if (job.type === 'webhook.deliver') {
    const delivery = /^webhook:(\d+):(\d+)(:redelivery:)?/.exec(job.key ?? '');
    if (delivery)
      return `webhook delivery of event #${delivery[2]} to subscription #${delivery[1]}${delivery[3] ? ' (redelivery)' : ''}`;
    return 'webhook delivery';
  }
  return job.key ? `${job.type} job ${job.key}` : `${job.type} job`;
}

function when(iso: string | null): string {
  return iso === null ? '—' : new Date(iso).toLocaleString();
}

/**
 * The background job queue: what is dead and why, what waits and what runs, with a count per
 * state; a dead job is retried here once its cause is fixed. Looks again every few seconds.
 */
export function JobsAdmin() {
  const [state, setState] = useState<JobState>('dead');
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [counts, setCounts] = useState<Record<JobState, number> | null>(null);
  const [message, setMessage] = useState<string | null>(null);

  const load = useCallback(() => {
    api<{ items: Job[]; counts: Record<JobState, number> }>(
      `/api/admin/jobs${query({ state, limit: 200 })}`,
    ).then(
      (r) => {
        setJobs(r.items);
        setCounts(r.counts);
      },
      (e: unknown) => setMessage(messageOf(e)),
    );
  }, [state]);
  useEffect(() => {
    load();
    // Jobs move in the background: look again every few seconds while the screen is open.
    const timer = setInterval(load, 3_000);
    return () => clearInterval(timer);
  }, [load]);

  const choose = (next: JobState) => {
    setJobs(null);
    setState(next);
  };

  const retry = async (job: Job) => {
    try {
      const queued = await api<Job>(`/api/admin/jobs/${job.id}/retry`, { method: 'POST' });
      setMessage(
        `Job #${queued.id} (${describeJob(queued)}) is queued again, due now, with ${queued.maxAttempts} fresh attempts.`,
      );
    } catch (e) {
      setMessage(`Job #${job.id} not retried: ${messageOf(e)}`);
    }
    load();
  };

  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Background jobs</h2>
      <p>
        Replies to customers and webhook deliveries leave through a durable queue: each job is
        retried with growing pauses, and given up (dead) after its last attempt or at once when the
        error is permanent.
      </p>
      <fieldset className="job-states">
        <legend>Show jobs that are</legend>
        {states.map((s) => (
          <label key={s}>
            <input
              type="radio"
              name="job-state"
              value={s}
              checked={state === s}
              onChange={() => choose(s)}
            />
            {stateNames[s]}
            {counts && ` (${counts[s]})`}
          </label>
        ))}
        <button type="button" onClick={load}>
          Refresh
        </button>
      </fieldset>
      <p className="hint">{stateHints[state]}</p>
      <p role="status">{message}</p>
      {jobs === null ? (
        <p>Loading…</p>
      ) : jobs.length === 0 ? (
        <p className="empty">{emptyTexts[state]}</p>
      ) : (
        <table className="admin-table" aria-label={`${stateNames[state]} jobs`}>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">Type</th>
              <th scope="col">For</th>
              <th scope="col">Attempts</th>
              <th scope="col">Last error</th>
              <th scope="col">Next run</th>
              <th scope="col">Created</th>
              <th scope="col">Finished</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {jobs.map((job) => (
              <tr key={job.id} data-job={job.id} data-state={job.state}>
                <th scope="row">#{job.id}</th>
                <td>
                  <code>{job.type}</code>
                </td>
                <td>{describeJob(job)}</td>
                <td>
                  {job.attempts} / {job.maxAttempts}
                </td>
                <td className="job-error">{job.lastError ?? '—'}</td>
                <td>{job.state === 'queued' ? when(job.runAt) : '—'}</td>
                <td>{when(job.createdAt)}</td>
                <td>{when(job.finishedAt)}</td>
                <td>
                  {job.state === 'dead' && (
                    // A send's retry puts its failed reply back in the queue first (server side).
                    <button type="button" onClick={() => void retry(job)}>
                      Retry job #{job.id}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
