/** Where a background job stands: waiting, claimed by a worker, finished, or given up. */
export type JobState = 'queued' | 'running' | 'done' | 'dead';

/** A job as admins see it. The payload is left out: it may carry what only its owner should show. */
export interface JobView {
  readonly id: number;
  readonly type: string;
  readonly key: string | null;
  readonly state: JobState;
  readonly attempts: number;
  readonly maxAttempts: number;
  readonly runAt: string;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}
