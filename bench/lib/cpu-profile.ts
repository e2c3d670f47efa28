/** The parts of V8's `.cpuprofile` JSON (what `node --cpu-prof` writes) that self time needs. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  /** `function (file:line)`, or V8's pseudo-frames such as `(garbage collector)`. */
  readonly frame: string;
  readonly ms: number;
  /** Share of the busy time: every sample but `(idle)`. */
  readonly share: number;
}

/** Where a frame's code lives: an npm package, the app's own folders, Node itself, or V8. */
export function owner(url: string): string {
  if (!url) return '(native: GC, syscalls such as writev, V8 builtins)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node (core)';
  const app = /\/dist\/(libs\/[^/]+|src\/modules\/[^/]+|src)\//.exec(url);
  return app ? app[1]! : url.replace(/^file:\/\//, '');
}

function frameName(callFrame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = callFrame.functionName || '(anonymous)';
  if (!callFrame.url) return name;
  const file = callFrame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '');
  return `${name} (${file}:${callFrame.lineNumber + 1})`;
}

/** Indexes of the samples taken `skipSeconds` or more after the profile began (start-up left out). */
function samplesAfter(profile: CpuProfile, skipSeconds: number): number[] {
  const indexes: number[] = [];
  let elapsedMicros = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsedMicros += profile.timeDeltas[i] ?? 0;
    if (elapsedMicros >= skipSeconds * 1e6) indexes.push(i);
  }
  return indexes;
}

/**
 * Time spent in each function itself (not its callees), summed over every node of the
 * call tree that names the same function: the sample at index i lasted timeDeltas[i + 1].
 */
export function topSelfTime(profile: CpuProfile, count = 10, skipSeconds = 0): SelfTime[] {
  const frames = new Map(profile.nodes.map((n) => [n.id, frameName(n.callFrame)]));
  const byFrame = new Map<string, number>();
  for (const i of samplesAfter(profile, skipSeconds)) {
    const frame = frames.get(profile.samples[i]!) ?? '(unknown)';
    const micros = profile.timeDeltas[i + 1] ?? 0;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + micros);
  }
  byFrame.delete('(idle)');
  const busy = [...byFrame.values()].reduce((a, b) => a + b, 0);
  return [...byFrame]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({
      frame,
      ms: Math.round(micros / 100) / 10,
      share: busy > 0 ? Math.round((micros / busy) * 1000) / 1000 : 0,
    }));
}

/** Self time summed by owner(): which package or folder the busy time goes to. */
export function selfTimeByOwner(profile: CpuProfile, count = 10, skipSeconds = 0): SelfTime[] {
  const owners = new Map(
    profile.nodes.map((n) => [n.id, n.callFrame.functionName === '(idle)' ? '(idle)' : owner(n.callFrame.url)]),
  );
  const byOwner = new Map<string, number>();
  for (const i of samplesAfter(profile, skipSeconds)) {
    const key = owners.get(profile.samples[i]!) ?? '(unknown)';
    byOwner.set(key, (byOwner.get(key) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  }
  byOwner.delete('(idle)');
  const busy = [...byOwner.values()].reduce((a, b) => a + b, 0);
  return [...byOwner]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({
      frame,
      ms: Math.round(micros / 100) / 10,
      share: busy > 0 ? Math.round((micros / busy) * 1000) / 1000 : 0,
    }));
}

/** A stretch of samples with no `(idle)` among them: the event loop never waited. */
export interface BusyStretch {
  /** Seconds after the profile began. */
  readonly startSeconds: number;
  readonly ms: number;
  /** The frames with the most time in the stretch, callees included (the code that ran). */
  readonly inclusive: readonly { readonly frame: string; readonly ms: number }[];
}

/**
 * The longest stretches without an idle sample: when a server under a light load answers
 * most requests in a millisecond or two but a few in tens, these are the stalls, and their
 * inclusive frames say what held the loop. Under a saturating load there is no idle time
 * and the whole run is one stretch, so profile at a fixed arrival rate below the peak.
 */
export function longestBusyStretches(profile: CpuProfile, count = 5, skipSeconds = 0, framesEach = 8): BusyStretch[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const idle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  const startMicros: number[] = [];
  let elapsed = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    elapsed += profile.timeDeltas[i] ?? 0;
    startMicros.push(elapsed);
  }
  const stretches: { from: number; to: number; micros: number }[] = [];
  let from = -1;
  let micros = 0;
  const close = (to: number) => {
    if (from >= 0) stretches.push({ from, to, micros });
    from = -1;
    micros = 0;
  };
  for (const i of samplesAfter(profile, skipSeconds)) {
    if (idle(profile.samples[i]!)) {
      close(i);
      continue;
    }
    if (from < 0) from = i;
    micros += profile.timeDeltas[i + 1] ?? 0;
  }
  close(profile.samples.length);
  return stretches
    .sort((a, b) => b.micros - a.micros)
    .slice(0, count)
    .map((stretch) => {
      const total = new Map<string, number>();
      for (let i = stretch.from; i < stretch.to; i++) {
        const path: string[] = [];
        for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
          const node = byId.get(id);
          if (node && node.callFrame.functionName !== '(root)') path.push(frameName(node.callFrame));
        }
        // Callers first, so that of frames with equal time the outer one is listed first.
        for (const frame of new Set(path.reverse()))
          total.set(frame, (total.get(frame) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
      }
      return {
        startSeconds: Math.round((startMicros[stretch.from] ?? 0) / 1e4) / 100,
        ms: Math.round(stretch.micros / 100) / 10,
        inclusive: [...total]
          .sort((a, b) => b[1] - a[1])
          .slice(0, framesEach)
          .map(([frame, us]) => ({ frame, ms: Math.round(us / 100) / 10 })),
      };
    });
}
