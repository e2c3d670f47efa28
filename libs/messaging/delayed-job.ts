import { ErrorCode, type Job } from 'bullmq';

/*
 * Hastening or retiming a delayed job races its delay: a job no longer delayed (it started, or
 * is gone) runs or ran on its own, which is no error. A queue that cannot be reached still is.
 */

/** Starts a delayed job now. */
export async function promoteDelayedJob(job: Job | undefined): Promise<void> {
  await job?.promote().catch(unlessNoLongerDelayed);
}

/** Runs a delayed job `delayMs` from now instead. */
export async function retimeDelayedJob(job: Job | undefined, delayMs: number): Promise<void> {
  await job?.changeDelay(delayMs).catch(unlessNoLongerDelayed);
}

function unlessNoLongerDelayed(error: unknown): void {
  const code = (error as { code?: unknown }).code;
  if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return;
  throw error;
}
