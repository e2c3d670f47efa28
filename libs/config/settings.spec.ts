import { describeSettings, loadSettings } from './settings';

describe('loadSettings', () => {
  it('applies the documented defaults', () => {
    const settings = loadSettings({}, []);
    expect(settings.port).toBe(3000);
    expect(settings.host).toBe('127.0.0.1');
    expect(settings.databaseUrl).toBeUndefined();
    expect(settings.bodyLimitBytes).toBe(1024 * 1024);
    expect(settings.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(settings.corsOrigins).toEqual([]);
  });

  it('parses typed values', () => {
    const settings = loadSettings(
      {
        PORT: '8080',
        REDIS_URL: 'redis://localhost:6380/2',
        CORS_ORIGINS: 'https://a.example, https://b.example',
        RATE_LIMIT_ENABLED: 'false',
      },
      [],
    );
    expect(settings).toMatchObject({
      port: 8080,
      redisUrl: 'redis://localhost:6380/2',
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('names the variable and what it accepts when a value is wrong', () => {
    expect(() => loadSettings({ PORT: 'eighty' }, [])).toThrow(
      'PORT must be an integer from 0 to 65535 (got "eighty")',
    );
    expect(() => loadSettings({ DATABASE_URL: 'mysql://x' }, [])).toThrow(
      'DATABASE_URL must be a URL starting with postgres:// or postgresql://',
    );
    expect(() => loadSettings({ LOG_LEVEL: 'loud' }, [])).toThrow('LOG_LEVEL must be one of fatal, error, warn, info');
  });

  it('reads a per-module database URL override', () => {
    const settings = loadSettings({ CATALOG_DATABASE_URL: 'postgres://db2/catalog' }, ['catalog', 'ordering']);
    expect(settings.moduleDatabaseUrls).toEqual({ catalog: 'postgres://db2/catalog' });
    expect(() => loadSettings({ ORDERING_DATABASE_URL: 'nope' }, ['ordering'])).toThrow(
      'ORDERING_DATABASE_URL must be',
    );
  });

  it('takes known modules, or none, for the modules whose jobs go first', () => {
    const modules = ['inventory', 'ordering', 'payments'];
    expect(loadSettings({}, modules).workerFirstModules).toBeUndefined();
    expect(loadSettings({ WORKER_FIRST_MODULES: 'payments, inventory' }, modules).workerFirstModules).toEqual([
      'payments',
      'inventory',
    ]);
    expect(loadSettings({ WORKER_FIRST_MODULES: 'none' }, modules).workerFirstModules).toEqual(['none']);
    expect(() => loadSettings({ WORKER_FIRST_MODULES: 'inventory,shipping' }, modules)).toThrow(
      'WORKER_FIRST_MODULES: unknown module "shipping"; valid: inventory, ordering, payments, none',
    );
    expect(loadSettings({}, modules).workerFirstMaxWaitMs).toBe(5000);
  });

  it('documents every setting with its default', () => {
    const names = describeSettings().map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['PORT', 'HOST', 'DATABASE_URL', 'REDIS_URL', 'QUEUE_PREFIX']));
  });
});
