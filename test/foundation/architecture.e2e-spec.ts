import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../..');
const DEPCRUISE = resolve(ROOT, 'node_modules/.bin/depcruise');

async function cruise(
  ...targets: string[]
): Promise<{ code: number; violations: { rule: string; from: string; to: string }[] }> {
  const run = async (...extra: string[]): Promise<{ code: number; stdout: string }> => {
    try {
      const { stdout } = await promisify(execFile)(
        DEPCRUISE,
        [...targets, '--config', '.dependency-cruiser.cjs', ...extra],
        { cwd: ROOT },
      );
      return { code: 0, stdout };
    } catch (error) {
      return error as { code: number; stdout: string };
    }
  };
  // The default reporter sets the exit code lint relies on; the JSON one lists the violations.
  const [plain, json] = await Promise.all([run(), run('--output-type', 'json')]);
  return { code: plain.code, violations: parse(json.stdout) };
}

function parse(stdout: string): { rule: string; from: string; to: string }[] {
  const report = JSON.parse(stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  return report.summary.violations.map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('architecture rules (dependency-cruiser, as run by npm run lint)', () => {
  it('fail when a module imports another module, or a library imports a module', async () => {
    const { code, violations } = await cruise('test/fixtures/architecture');
    expect(code).not.toBe(0);
    expect(violations).toEqual(
      expect.arrayContaining([
        {
          rule: 'no-cross-module-imports',
          from: 'test/fixtures/architecture/src/modules/alpha/alpha-price.ts',
          to: 'test/fixtures/architecture/src/modules/beta/beta-price.ts',
        },
        {
          rule: 'no-libs-to-modules',
          from: 'test/fixtures/architecture/libs/shared/shared-price.ts',
          to: 'test/fixtures/architecture/src/modules/alpha/alpha-price.ts',
        },
      ]),
    );
  });

  it('pass on the real tree', async () => {
    const { code, violations } = await cruise('src', 'libs');
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });
});
