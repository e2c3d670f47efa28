import { notADeadLetter } from './dead-letters';

/** What `Job.retry('failed')` throws on both queue backends (BullMQ's `finishedErrors`). */
const bullError = (message: string, code: number) => Object.assign(new Error(message), { code });

describe('notADeadLetter', () => {
  it('recognises a job already moved on by another replay, or gone', () => {
    expect(notADeadLetter(bullError('Job tally_1 is not in the failed state. reprocessJob', -3))).toBe(true);
    expect(notADeadLetter(bullError('Missing key for job tally_1. reprocessJob', -1))).toBe(true);
    expect(notADeadLetter(new Error('Job tally_1 does not exist'))).toBe(true);
  });

  it('leaves any other failure to propagate', () => {
    expect(notADeadLetter(new Error('Connection is closed.'))).toBe(false);
    expect(
      notADeadLetter(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })),
    ).toBe(false);
    expect(notADeadLetter(bullError('Lock mismatch for job tally_1. Cmd reprocessJob from failed', -6))).toBe(false);
    expect(notADeadLetter(undefined)).toBe(false);
  });
});
