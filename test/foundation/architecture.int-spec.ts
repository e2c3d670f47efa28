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
        // The JSON report lists every module cruised, node_modules' leaves included.
        { cwd: ROOT, maxBuffer: 256 * 1024 * 1024 },
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
  const fixture = 'test/fixtures/architecture';
  const alpha = `${fixture}/src/modules/alpha`;

  // Each rule against the fixture's deliberate violation of it: a rule that stops firing fails here.
  it.each([
    ['no-cross-module-imports', `${alpha}/alpha-price.ts`, `${fixture}/src/modules/beta/beta-price.ts`],
    ['no-libs-to-modules', `${fixture}/libs/shared/shared-price.ts`, `${alpha}/alpha-price.ts`],
    ['domain-is-plain', `${alpha}/domain/alpha-order.ts`, 'node_modules/@nestjs/common/index.js'],
    ['domain-is-plain', `${alpha}/domain/alpha-order.ts`, `${alpha}/infrastructure/alpha-rows.ts`],
    ['application-not-interface', `${alpha}/application/place-alpha-order.ts`, `${alpha}/interface/alpha-route.ts`],
    [
      'application-not-infrastructure',
      `${alpha}/application/place-alpha-order.ts`,
      `${alpha}/infrastructure/alpha-rows.ts`,
    ],
    ['infrastructure-not-interface', `${alpha}/infrastructure/alpha-rows.ts`, `${alpha}/interface/alpha-route.ts`],
  ])('%s fires on %s → %s', async (rule, from, to) => {
    const { code, violations } = await cruise(fixture);
    expect(code).not.toBe(0);
    expect(violations).toContainEqual({ rule, from, to });
  });

  it('pass on the real tree', async () => {
    const { code, violations } = await cruise('src', 'libs');
    expect(violations).toEqual([]);
    expect(code).toBe(0);
  });
});

const modulesDir = resolve(ROOT, 'src/modules');

/** A module's non-test sources, leaving out the folders named `skipped`. */
const sourcesOf = (dir: string, skipped: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === skipped ? [] : sourcesOf(path, skipped);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
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
      const named = sourcesOf(join(modulesDir, module), 'migrations').flatMap((file) =>
        schemasNamedBySql(readFileSync(file, 'utf8')).map((name) => ({ file: file.slice(ROOT.length + 1), name })),
      );
      // A module whose statements all go through TypeORM's repositories names none here.
      if (named.length > 0) expect(named.map((n) => n.name)).toContain(schema);
      expect(named.filter((n) => n.name !== schema).map((n) => `${n.file} names ${n.name}`)).toEqual([]);
    },
  );
});

/** Whether a source text holds SQL (upper-case keywords, as every statement here is written) or a raw query of a literal. */
function holdsSql(source: string): boolean {
  return (
    /\.query(?:<[^>]*>)?\(\s*[`'"]/.test(source) ||
    /[`'"]\s*(?:SELECT\s[\s\S]*?\sFROM|INSERT\s+INTO|UPDATE\s+\S+\s+SET|DELETE\s+FROM|WITH\s+\w+\s+AS)\b/.test(source)
  );
}

describe('SQL lives only in infrastructure/', () => {
  it('recognises a statement and a raw query, and not prose', () => {
    expect(holdsSql("await manager.query<Row>('SELECT 1')")).toBe(true);
    expect(holdsSql('const sql = `UPDATE ordering.orders SET status = $1`;')).toBe(true);
    expect(holdsSql("const hint = 'select a product from the list';")).toBe(false);
    expect(holdsSql('await this.read.query((source) => store.page(source, filter), token)')).toBe(false);
  });

  it.each(readdirSync(modulesDir).filter((name) => statSync(join(modulesDir, name)).isDirectory()))(
    '%s has no SQL in domain/, application/ or interface/',
    (module) => {
      const offending = sourcesOf(join(modulesDir, module), 'infrastructure')
        .filter((file) => holdsSql(readFileSync(file, 'utf8')))
        .map((file) => file.slice(ROOT.length + 1));
      expect(offending).toEqual([]);
    },
  );
});
