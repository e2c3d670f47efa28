/** The parts of V8's `.cpuprofile` JSON (what `node --cpu-prof` writes) that self time needs. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
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
