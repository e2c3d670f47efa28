import { RepeatedFailureLog } from './repeated-failure-log';

describe('RepeatedFailureLog', () => {
  let lines: string[];
  const sink = {
    warn: (message: string) => lines.push(`warn ${message}`),
    log: (message: string) => lines.push(`info ${message}`),
  };

  beforeEach(() => {
    lines = [];
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('logs the first failure, then how many more per interval, then when it works again', () => {
    const log = new RepeatedFailureLog(sink, 'publishing failed', 'on-success', 10_000);
    log.failed('connect ECONNREFUSED');
    for (let second = 1; second <= 25; second++) {
      jest.advanceTimersByTime(1000);
      log.failed(`refused ${second}`);
    }
    jest.advanceTimersByTime(500);
    log.succeeded();
    log.succeeded();

    expect(lines).toEqual([
      'warn publishing failed: connect ECONNREFUSED',
      'warn publishing failed: 9 more in the last 10.0 s; the latest: refused 9',
      'warn publishing failed: 10 more in the last 10.0 s; the latest: refused 19',
      'warn publishing failed: 6 more; the latest: refused 25',
      'info publishing failed: works again, after 26 failures in 25.5 s',
    ]);
  });

  it('ends a streak after an interval without a failure, for callers that never see a success', () => {
    const log = new RepeatedFailureLog(sink, 'requests refused', 'when-quiet', 10_000);
    log.failed('POST /v1/orders -> 503');
    jest.advanceTimersByTime(2000);
    log.failed('GET /v1/orders -> 503');
    jest.advanceTimersByTime(8000);
    jest.advanceTimersByTime(10_000);
    jest.advanceTimersByTime(60_000);

    expect(lines).toEqual([
      'warn requests refused: POST /v1/orders -> 503',
      'warn requests refused: 1 more in the last 10.0 s; the latest: GET /v1/orders -> 503',
      'info requests refused: none in the last 10.0 s, after 2 failures in 20.0 s',
    ]);
  });

  it('keeps a streak of a loop that tries less often than the interval going until it succeeds', () => {
    const log = new RepeatedFailureLog(sink, 'sweeping failed', 'on-success', 10_000);
    log.failed('refused 0');
    jest.advanceTimersByTime(30_000);
    log.failed('refused 30');
    jest.advanceTimersByTime(30_000);
    log.failed('refused 60');
    jest.advanceTimersByTime(5_000);
    log.succeeded();

    expect(lines).toEqual([
      'warn sweeping failed: refused 0',
      'warn sweeping failed: 1 more in the last 40.0 s; the latest: refused 30',
      'warn sweeping failed: 1 more; the latest: refused 60',
      'info sweeping failed: works again, after 3 failures in 65.0 s',
    ]);
  });

  it('logs a failure after the end of a streak as the first of a new one', () => {
    const log = new RepeatedFailureLog(sink, 'sweeping failed', 'on-success', 10_000);
    log.failed('first outage');
    log.succeeded();
    log.failed('second outage');

    expect(lines).toEqual([
      'warn sweeping failed: first outage',
      'info sweeping failed: works again, after 1 failure in 0.0 s',
      'warn sweeping failed: second outage',
    ]);
  });
});
