import { ConfigError } from './config-error';
import { acceptsOf, readSetting, type RateLimit, type SettingsDeclaration, type SettingsOf } from './setting-kit';
import { coreSettings, postgresUrl } from './settings';

export type Settings = SettingsOf<typeof coreSettings> & {
  /** `<MODULE>_DATABASE_URL` overrides, by module name. */
  readonly moduleDatabaseUrls: Readonly<Record<string, string>>;
};

/** A module as settings see it: its name and the settings its manifest declares. */
export type SettingsOwner = { readonly name: string; readonly settings?: SettingsDeclaration };

export const moduleDatabaseUrlVariable = (moduleName: string): string =>
  `${moduleName.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_DATABASE_URL`;

/** The core declaration, then each module's; a key or a variable declared twice is a wiring mistake. */
function declarations(modules: readonly SettingsOwner[]): Required<SettingsOwner>[] {
  const all = [{ name: 'core', settings: coreSettings }, ...modules].map((m) => ({ ...m, settings: m.settings ?? {} }));
  const ids = all.flatMap((m) => Object.entries(m.settings).flatMap(([key, s]) => [key, s.env]));
  const twice = ids.find((id, index) => ids.indexOf(id) !== index);
  if (twice) throw new Error(`settings: ${twice} is declared twice`);
  return all;
}

/** Validates the core's and every module's settings, whatever this process runs: SETTINGS provides the result. */
export function loadSettings(env: NodeJS.ProcessEnv, modules: readonly SettingsOwner[]): Settings {
  const entries = declarations(modules).flatMap((m) => Object.entries(m.settings));
  const values = Object.fromEntries(entries.map(([key, s]) => [key, readSetting(env, s.env, s.schema) ?? s.default]));
  const moduleNames = modules.map((m) => m.name);
  const urls = moduleNames.map((name) => [name, readSetting(env, moduleDatabaseUrlVariable(name), postgresUrl)]);
  const settings = { ...values, moduleDatabaseUrls: Object.fromEntries(urls.filter(([, url]) => url)) } as Settings;
  const first = settings.workerFirstModules ?? [];
  const unknown = first.join() === 'none' ? [] : first.filter((name) => !moduleNames.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((n) => `"${n}"`).join(', ');
    throw new ConfigError(
      `WORKER_FIRST_MODULES: unknown module ${names}; valid: ${[...moduleNames, 'none'].join(', ')}`,
    );
  }
  if (settings.shutdownDelayMs >= settings.shutdownTimeoutMs) {
    throw new ConfigError('SHUTDOWN_DELAY_MS must be smaller than SHUTDOWN_TIMEOUT_MS');
  }
  return settings;
}

/** Every setting, the core's then each module's: name, default, meaning and what it accepts. */
export function describeSettings(modules: readonly SettingsOwner[] = []) {
  return declarations(modules).flatMap(({ name: owner, settings }) =>
    Object.values(settings).map((s) => ({
      owner,
      name: s.env,
      default: s.default === undefined ? '(unset)' : `\`${describeDefault(s.default)}\``,
      doc: `${s.doc} Accepts ${acceptsOf(s.schema)}.`,
    })),
  );
}

function describeDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',') || '(empty)';
  const { limit, windowSeconds } = value as Partial<RateLimit>;
  return limit ? `${limit}/${windowSeconds}s` : String(value);
}

const GENERATED = '<!-- Generated below by `npm run docs:settings` from the declarations; a unit test compares. -->';

/** docs/configuration.md: its prose as written, then the tables, core first, then each module by name. */
export function renderSettingsDoc(modules: readonly SettingsOwner[], currentDoc: string): string {
  const lines = [`${currentDoc.split(GENERATED)[0]!.trimEnd()}\n\n${GENERATED}`];
  let owner: string | undefined;
  for (const s of describeSettings([...modules].sort((a, b) => a.name.localeCompare(b.name)))) {
    if (s.owner !== owner) {
      owner = s.owner;
      const where = owner === 'core' ? 'libs/config/settings.ts' : `src/modules/${owner}/${owner}.settings.ts`;
      lines.push('', `## ${owner} (\`${where}\`)`, '', '| setting | default | meaning |', '|---|---|---|');
    }
    lines.push(`| \`${s.name}\` | ${s.default} | ${s.doc} |`);
  }
  return `${lines.join('\n')}\n`;
}
