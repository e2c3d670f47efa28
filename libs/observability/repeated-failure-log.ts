/** Where the lines go: a Nest `Logger` (warnings for failures, info for their end). */
export interface FailureLogSink {
  warn(message: string): void;
  log(message: string): void;
}

/** How often, at most, a failure that keeps happening is summed up; also how long without one ends it. */
const SUMMARY_INTERVAL_MS = 10_000;

/**
 * How a streak of failures ends: when the caller reports a success (a loop that sees its own
 * successes, however far apart its tries), or after an interval without a failure (requests and
 * connection errors, whose successes no one reports).
 */
export type StreakEnd = 'on-success' | 'when-quiet';

interface Streak {
  readonly since: number;
  failures: number;
  /** Failures since the last line, the detail of the latest, and when that line was written. */
  unlogged: number;
  latest: string;
  lastLineAt: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * One failure that repeats while something is down: a poll every second, a reconnect, every
 * request refused. Its first occurrence is logged as it is; then at most one line per interval
 * says how many more there were; and one line says when it ended (see `StreakEnd`). Every
 * failure is counted in some line (but those of a process's last interval before it exits), and
 * an outage reads as a few lines, not thousands.
 */
export class RepeatedFailureLog {
  private streak: Streak | undefined;

  constructor(
    private readonly sink: FailureLogSink,
    /** What failed, as a line starts: e.g. "publishing failed, will retry". */
    private readonly what: string,
    private readonly ends: StreakEnd,
    private readonly intervalMs: number = SUMMARY_INTERVAL_MS,
  ) {}

  failed(detail: string): void {
    if (this.streak) {
      this.streak.failures++;
      this.streak.unlogged++;
      this.streak.latest = detail;
      return;
    }
    const timer = setInterval(() => this.summarize(), this.intervalMs);
    timer.unref();
    const now = Date.now();
    this.streak = { since: now, failures: 1, unlogged: 0, latest: detail, lastLineAt: now, timer };
    this.sink.warn(`${this.what}: ${detail}`);
  }

  /** The thing worked: a streak of failures, if any, is over. */
  succeeded(): void {
    if (this.streak) this.end(`${this.what}: works again, after ${this.tally(this.streak)}`);
  }

  private summarize(): void {
    const streak = this.streak!;
    if (streak.unlogged === 0) {
      if (this.ends === 'when-quiet')
        this.end(`${this.what}: none in the last ${seconds(this.intervalMs)}, after ${this.tally(streak)}`);
      return;
    }
    const now = Date.now();
    this.sink.warn(
      `${this.what}: ${streak.unlogged} more in the last ${seconds(now - streak.lastLineAt)}; the latest: ${streak.latest}`,
    );
    streak.unlogged = 0;
    streak.lastLineAt = now;
  }

  private end(line: string): void {
    const streak = this.streak!;
    clearInterval(streak.timer);
    this.streak = undefined;
    // Failures since the last summary are counted in the tally; the latest is worth a look.
    if (streak.unlogged > 0) this.sink.warn(`${this.what}: ${streak.unlogged} more; the latest: ${streak.latest}`);
    this.sink.log(line);
  }

  private tally(streak: Streak): string {
    return `${streak.failures} ${streak.failures === 1 ? 'failure' : 'failures'} in ${seconds(Date.now() - streak.since)}`;
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
