import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
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

/**
 * The schema-qualified tables a source text's SQL names after FROM, JOIN, INTO, UPDATE or
 * TABLE (`catalog.products` → `catalog`). Connections carry no search_path, so every table a
 * statement touches is named with its schema, and this is what a module's statements reach.
 */
function schemasNamedBySql(source: string): string[] {
  const found = source.matchAll(/\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+"?([a-z_][a-z0-9_]*)"?\.[a-z_"]/gi);
  return [...new Set([...found].map((match) => match[1]!))];
}

describe("a module's statements touch only its own schema", () => {
  const modulesDir = resolve(ROOT, 'src/modules');
  const sourcesOf = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return entry.name === 'migrations' ? [] : sourcesOf(path);
      return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
    });

  it('finds the schemas a statement names, so a reach into another module is seen', () => {
    expect(
      schemasNamedBySql(
        'SELECT p.id FROM ordering.products p JOIN catalog.products c ON c.id = p.product_id; UPDATE "inventory".stock SET x = 1',
      ).sort(),
    ).toEqual(['catalog', 'inventory', 'ordering']);
  });

  it.each(readdirSync(modulesDir).filter((name) => statSync(join(modulesDir, name)).isDirectory()))(
    '%s names no schema but its own',
    (module) => {
      const schema = /schema:\s*'([a-z_]+)'/.exec(
        readFileSync(join(modulesDir, module, `${module}.module.ts`), 'utf8'),
      )![1];
      const named = sourcesOf(join(modulesDir, module)).flatMap((file) =>
        schemasNamedBySql(readFileSync(file, 'utf8')).map((name) => ({ file: file.slice(ROOT.length + 1), name })),
      );
      // Its raw statements are found (each module has some), and none names another schema.
      expect(named.map((n) => n.name)).toContain(schema);
      expect(named.filter((n) => n.name !== schema).map((n) => `${n.file} names ${n.name}`)).toEqual([]);
    },
  );
});
