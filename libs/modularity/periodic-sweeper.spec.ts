// Relative: the index of libs/config loads Nest, which jest's CommonJS runtime cannot.
import { ProcessState } from '../config/process-state';
import { PeriodicSweeper } from './periodic-sweeper';

class CountingSweeper extends PeriodicSweeper {
  sweeps = 0;
  inFlight = 0;
  maxInFlight = 0;
  release: (() => void) | undefined;

  constructor(
    state: ProcessState,
    private readonly slow = false,
  ) {
    super(state, 1000, { warn: () => undefined, log: () => undefined }, 'test work');
  }

  protected async sweepOnce(): Promise<string | undefined> {
    this.sweeps++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.slow) await new Promise<void>((resolve) => (this.release = resolve));
    this.inFlight--;
    return undefined;
  }
}

describe('PeriodicSweeper', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('sweeps once the process has started, then every interval', async () => {
    const state = new ProcessState();
    const sweeper = new CountingSweeper(state);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(5000);
    expect(sweeper.sweeps).toBe(0);
    state.markStarted();
    await jest.advanceTimersByTimeAsync(1000); // the first one within the first interval
    expect(sweeper.sweeps).toBe(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(sweeper.sweeps).toBe(4);
    await sweeper.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5000);
    expect(sweeper.sweeps).toBe(4);
  });

  it('never runs two sweeps at once, and shutdown waits for the one in progress', async () => {
    const state = new ProcessState();
    state.markStarted();
    const sweeper = new CountingSweeper(state, true);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sweeper.sweeps).toBe(1);
    let stopped = false;
    const stopping = sweeper.beforeApplicationShutdown().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    sweeper.release!();
    await stopping;
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sweeper).toMatchObject({ sweeps: 1, maxInFlight: 1 });
  });

  it('does not start in a process that is already draining', async () => {
    const state = new ProcessState();
    state.markStarted();
    state.markDraining();
    const sweeper = new CountingSweeper(state);
    sweeper.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sweeper.sweeps).toBe(0);
  });
});
