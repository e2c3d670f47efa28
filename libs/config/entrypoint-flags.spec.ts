import { ConfigError } from './config-error';
import { parseEntrypoint } from './entrypoint-flags';

const MODULES = ['identity', 'catalog', 'ordering'];

describe('parseEntrypoint', () => {
  it('selects every module and role by default', () => {
    expect(parseEntrypoint([], {}, MODULES)).toEqual({
      kind: 'serve',
      selection: { modules: MODULES, roles: ['api', 'worker', 'relay'] },
    });
  });

  it('reads --modules and --roles, in both spellings, over the env', () => {
    const command = parseEntrypoint(
      ['--modules', 'catalog', '--roles=worker,relay'],
      { APP_MODULES: 'identity' },
      MODULES,
    );
    expect(command).toEqual({ kind: 'serve', selection: { modules: ['catalog'], roles: ['worker', 'relay'] } });
  });

  it('falls back to APP_MODULES and APP_ROLES', () => {
    const command = parseEntrypoint([], { APP_MODULES: 'ordering, identity', APP_ROLES: 'api' }, MODULES);
    expect(command).toEqual({ kind: 'serve', selection: { modules: ['ordering', 'identity'], roles: ['api'] } });
  });

  it('names the valid modules when one is unknown', () => {
    expect(() => parseEntrypoint(['--modules', 'catalog,billing'], {}, MODULES)).toThrow(
      new ConfigError('--modules: unknown module "billing"; valid modules: identity, catalog, ordering'),
    );
  });

  it('names the valid roles when one is unknown, from the env too', () => {
    expect(() => parseEntrypoint([], { APP_ROLES: 'api,cron' }, MODULES)).toThrow(
      'APP_ROLES: unknown role "cron"; valid roles: api, worker, relay',
    );
  });

  it('rejects unknown arguments and a flag without a value', () => {
    expect(() => parseEntrypoint(['--module', 'catalog'], {}, MODULES)).toThrow('unknown argument "--module"');
    expect(() => parseEntrypoint(['--roles'], {}, MODULES)).toThrow('--roles needs a comma-separated list');
  });

  it('recognises help, version and the migrate command', () => {
    expect(parseEntrypoint(['--modules', 'x', '--help'], {}, MODULES)).toEqual({ kind: 'help' });
    expect(parseEntrypoint(['--version'], { APP_MODULES: 'nope' }, MODULES)).toEqual({ kind: 'version' });
    expect(parseEntrypoint(['migrate', '--modules', 'catalog'], {}, MODULES).kind).toBe('migrate');
  });
});
