import { longestBusyStretches, owner, selfTimeByOwner, topSelfTime, type CpuProfile } from './cpu-profile';

const node = (id: number, functionName: string, url = '', lineNumber = 0) => ({
  id,
  callFrame: { functionName, url, lineNumber },
});

describe('CPU profile self time', () => {
  const profile: CpuProfile = {
    nodes: [
      node(1, '(root)'),
      node(2, 'handle', 'file:///app/dist/x.js', 9),
      node(3, 'writev', 'node:net', 0),
      node(4, 'handle', 'file:///app/dist/x.js', 9), // the same function under another caller
      node(5, '(idle)'),
      node(6, '(garbage collector)'),
    ],
    samples: [2, 3, 4, 5, 6, 2],
    // timeDeltas[i] is the gap before sample i, so sample i lasted timeDeltas[i + 1].
    timeDeltas: [0, 1000, 3000, 2500, 50_000, 1000],
  };

  it('sums self time per function across callers, ignores idle, and ranks by it', () => {
    const top = topSelfTime(profile);
    expect(top).toEqual([
      { frame: 'handle (/app/dist/x.js:10)', ms: 3.5, share: 0.467 },
      { frame: 'writev (node:net:1)', ms: 3, share: 0.4 },
      { frame: '(garbage collector)', ms: 1, share: 0.133 },
    ]);
  });

  it('keeps only the requested number of frames', () => {
    expect(topSelfTime(profile, 1)).toHaveLength(1);
  });

  it('groups self time by package or app folder', () => {
    expect(owner('file:///w/node_modules/@nestjs/core/router/x.js')).toBe('@nestjs/core');
    expect(owner('file:///w/node_modules/fastify/lib/reply.js')).toBe('fastify');
    expect(owner('file:///w/dist/libs/http/conditional-get.js')).toBe('libs/http');
    expect(owner('file:///w/dist/src/modules/catalog/a.js')).toBe('src/modules/catalog');
    expect(owner('node:net')).toBe('node (core)');
    expect(owner('')).toMatch(/^\(native/);
    expect(selfTimeByOwner(profile).map((o) => o.frame)).toEqual(['/app/dist/x.js', 'node (core)', owner('')]);
  });

  it('leaves out the samples of the first seconds (start-up)', () => {
    // Elapsed at each sample: 0, 1, 4, 6.5, 56.5, 57.5 ms; from 5 ms on: idle, GC, handle.
    expect(topSelfTime(profile, 10, 0.005).map((t) => t.frame)).toEqual([
      '(garbage collector)',
      'handle (/app/dist/x.js:10)',
    ]);
  });
});

describe('CPU profile busy stretches', () => {
  // (root) -> processTimers -> checkStalled -> writev; (root) -> onRequest; (idle)
  const profile: CpuProfile = {
    nodes: [
      { ...node(1, '(root)'), children: [2, 5, 6] },
      { ...node(2, 'processTimers', 'node:internal/timers', 0), children: [3] },
      { ...node(3, 'checkStalled', 'file:///w/node_modules/bullmq/dist/worker.js', 4), children: [4] },
      node(4, 'writev', 'node:net', 0),
      node(5, 'onRequest', 'file:///w/dist/libs/http/a.js', 1),
      node(6, '(idle)'),
    ],
    // busy 1 ms, idle, busy 30 ms (timer stall), idle, busy 2 ms
    samples: [5, 6, 3, 4, 3, 6, 5, 5],
    timeDeltas: [0, 1000, 5000, 10_000, 10_000, 10_000, 4000, 1000, 1000],
  };

  it('finds the longest runs without idle and what ran in them, callees included', () => {
    const [longest, second] = longestBusyStretches(profile, 2, 0, 3);
    expect(longest).toEqual({
      startSeconds: 0.01,
      ms: 30,
      inclusive: [
        { frame: 'processTimers (node:internal/timers:1)', ms: 30 },
        { frame: 'checkStalled (bullmq/dist/worker.js:5)', ms: 30 },
        { frame: 'writev (node:net:1)', ms: 10 },
      ],
    });
    expect(second).toMatchObject({ ms: 2, inclusive: [{ frame: 'onRequest (/w/dist/libs/http/a.js:2)', ms: 2 }] });
  });
});
