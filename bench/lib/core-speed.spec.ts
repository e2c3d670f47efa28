import { cpus } from 'node:os';
import { fixedWorkMs, fixedWorkMsOnCore } from './core-speed';

describe('a fixed piece of work as a probe of the core speed', () => {
  it('takes time in proportion to the work', () => {
    const small = fixedWorkMs(2_000);
    const large = fixedWorkMs(20_000);
    expect(small).toBeGreaterThan(0);
    expect(large).toBeGreaterThan(small * 3);
  });

  it('runs on the core it is given, each core of the machine', () => {
    for (const core of cpus().keys()) expect(fixedWorkMsOnCore(core, 2_000)).toBeGreaterThan(0);
    expect(() => fixedWorkMsOnCore(cpus().length)).toThrow();
  });
});
