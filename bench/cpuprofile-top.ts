/**
 * `node dist-test/bench/cpuprofile-top.js <file.cpuprofile> [count] [skip]`: the functions
 * (and packages) with the most self time in a profile written by `node --cpu-prof`, leaving
 * out the first `skip` seconds (start-up: module loading and compilation).
 */
import { readFileSync } from 'node:fs';
import { longestBusyStretches, selfTimeByOwner, topSelfTime, type CpuProfile } from './lib/cpu-profile';

const [file, count, skip] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node dist-test/bench/cpuprofile-top.js <file.cpuprofile> [count] [seconds to skip]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const print = (rows: ReturnType<typeof topSelfTime>) => {
  for (const { frame, ms, share } of rows)
    process.stdout.write(
      `${(share * 100).toFixed(1).padStart(5)} %  ${String(Math.round(ms)).padStart(7)} ms  ${frame}\n`,
    );
};
process.stdout.write('self time by function (share of busy time):\n');
print(topSelfTime(profile, Number(count ?? 15), Number(skip ?? 0)));
process.stdout.write('\nself time by package or app folder:\n');
print(selfTimeByOwner(profile, Number(count ?? 15), Number(skip ?? 0)));
process.stdout.write('\nlongest stretches without an idle sample (stalls, when profiled below the peak):\n');
for (const stretch of longestBusyStretches(profile, 5, Number(skip ?? 0))) {
  process.stdout.write(`${String(stretch.ms).padStart(7)} ms  at ${stretch.startSeconds} s\n`);
  for (const { frame, ms } of stretch.inclusive)
    process.stdout.write(`           ${String(ms).padStart(7)} ms  ${frame}\n`);
}
