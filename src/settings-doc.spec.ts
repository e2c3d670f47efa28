import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SettingsDeclaration } from '../libs/config/setting-kit';
import { describeSettings, renderEnvExample, renderSettingsDoc } from '../libs/config/load-settings';

// The manifests load Nest, which jest cannot require (ESM); a `<name>.settings.ts` needs only the kit.
jest.mock('#libs/config', () => jest.requireActual('../libs/config/setting-kit'));

const MODULES = join(__dirname, 'modules');
const ROOT = join(__dirname, '..');

function moduleDeclarations(): { name: string; settings: SettingsDeclaration }[] {
  return readdirSync(MODULES)
    .filter((name) => existsSync(join(MODULES, name, `${name}.settings.ts`)))
    .map((name) => {
      const exports = jest.requireActual<Record<string, unknown>>(join(MODULES, name, `${name}.settings`));
      return { name, settings: exports[`${name}Settings`] as SettingsDeclaration };
    });
}

describe('docs/configuration.md', () => {
  it('is the table the settings declarations generate (npm run docs:settings rewrites it)', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'configuration.md'), 'utf8');
    expect(doc).toBe(renderSettingsDoc(moduleDeclarations(), doc));
  });

  it('lists every setting once, the core first, then each module that declares some', () => {
    const modules = moduleDeclarations();
    expect(modules.map((m) => m.name)).toEqual(
      expect.arrayContaining(['identity', 'catalog', 'inventory', 'ordering', 'payments', 'notifications']),
    );
    const settings = describeSettings(modules);
    expect(new Set(settings.map((s) => s.name)).size).toBe(settings.length);
    expect(settings[0]).toMatchObject({ owner: 'core', name: 'PORT' });
    expect(settings.find((s) => s.name === 'PAYMENT_CHARGE_MAX_ATTEMPTS')?.owner).toBe('payments');
    expect(settings.find((s) => s.name === 'SWEEP_INTERVAL_MS')?.owner).toBe('core');
  });
});

describe('.env.example', () => {
  it('is what the declarations generate (npm run docs:settings rewrites it)', () => {
    expect(readFileSync(join(ROOT, '.env.example'), 'utf8')).toBe(renderEnvExample(moduleDeclarations()));
  });

  it('lists every setting once, commented out at its default under its meaning', () => {
    const modules = moduleDeclarations();
    const lines = renderEnvExample(modules).split('\n');
    const assignments = lines.filter((line) => /^# [A-Z][A-Z0-9_]*=/.test(line));
    expect(assignments.map((line) => line.slice(2, line.indexOf('=')))).toEqual(
      describeSettings(modules).map((s) => s.name),
    );
    expect(lines).toContain('# PORT=3000');
    expect(lines).toContain('# DATABASE_URL=');
    expect(lines).toContain('# RATE_LIMIT_DEFAULT=600/60s');
    for (const line of assignments) expect(lines[lines.indexOf(line) - 1]).toMatch(/^# \S.*\.$/);
  });
});
