import { defineSettings, email, hostPort, integer, list, setting, text } from './setting-kit';
import { describeSettings, loadSettings, renderSettingsDoc } from './load-settings';

const owners = (...names: string[]) => names.map((name) => ({ name }));

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
      'DATABASE_URL must be a single-host URL starting with postgres:// or postgresql://',
    );
    expect(() => loadSettings({ LOG_LEVEL: 'loud' }, [])).toThrow('LOG_LEVEL must be one of fatal, error, warn, info');
  });

  it('refuses a multi-host database URL, which node-postgres would not fail over between', () => {
    expect(() =>
      loadSettings({ DATABASE_URL: 'postgres://db1:5432,db2:5432/tessera?target_session_attrs=read-write' }, []),
    ).toThrow('DATABASE_URL must be a single-host URL');
  });

  it('reads a per-module database URL override', () => {
    const settings = loadSettings({ CATALOG_DATABASE_URL: 'postgres://db2/catalog' }, owners('catalog', 'ordering'));
    expect(settings.moduleDatabaseUrls).toEqual({ catalog: 'postgres://db2/catalog' });
    expect(() => loadSettings({ ORDERING_DATABASE_URL: 'nope' }, owners('ordering'))).toThrow(
      'ORDERING_DATABASE_URL must be',
    );
  });

  it('takes known modules, or none, for the modules whose jobs go first', () => {
    const modules = owners('inventory', 'ordering', 'payments');
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

  it('parses each kind of value as the variables have always accepted it', () => {
    const settings = loadSettings(
      {
        RATE_LIMIT_ENABLED: ' No ',
        DATABASE_PREPARED_STATEMENTS: '0',
        RATE_LIMIT_AUTH: '5/2m',
        LOG_LEVEL: ' debug ',
        DATABASE_REPLICA_URLS: 'postgres://r1/db,, postgresql://r2/db ',
        QUEUE_PREFIX: ' run:1 ',
        HOST: ' 0.0.0.0 ',
      },
      [],
    );
    expect(settings).toMatchObject({
      rateLimitEnabled: false,
      databasePreparedStatements: false,
      rateLimitAuth: { limit: 5, windowSeconds: 120 },
      rateLimitDefault: { limit: 600, windowSeconds: 60 },
      logLevel: 'debug',
      databaseReplicaUrls: ['postgres://r1/db', 'postgresql://r2/db'],
      queuePrefix: 'run:1',
      host: ' 0.0.0.0 ',
    });
    expect(loadSettings({ RATE_LIMIT_ENABLED: 'YES' }, []).rateLimitEnabled).toBe(true);
    expect(() => loadSettings({ RATE_LIMIT_ENABLED: 'on' }, [])).toThrow('RATE_LIMIT_ENABLED must be true or false');
    expect(() => loadSettings({ RATE_LIMIT_AUTH: '0/60s' }, [])).toThrow(
      'RATE_LIMIT_AUTH must be LIMIT/WINDOW such as 100/60s or 1000/1h (got "0/60s")',
    );
    expect(() => loadSettings({ PORT: '1.5' }, [])).toThrow('PORT must be an integer');
    expect(() => loadSettings({ QUEUE_PREFIX: 'a b' }, [])).toThrow('QUEUE_PREFIX must be letters, digits');
    expect(() => loadSettings({ DATABASE_REPLICA_URLS: 'postgres://r1/db,http://r2' }, [])).toThrow(
      'DATABASE_REPLICA_URLS must be a comma-separated list, each a single-host URL starting with postgres:// or postgresql://',
    );
    expect(() => loadSettings({ SHUTDOWN_DELAY_MS: '40000' }, [])).toThrow(
      'SHUTDOWN_DELAY_MS must be smaller than SHUTDOWN_TIMEOUT_MS',
    );
  });

  it("validates a module's own settings with the core ones, and documents them under the module", () => {
    const shipping = {
      name: 'shipping',
      settings: defineSettings({
        carrierTimeoutMs: setting('CARRIER_TIMEOUT_MS', integer(1, 10), 5, 'Carrier call timeout.'),
        carrierDepot: setting('CARRIER_DEPOT', hostPort, undefined, 'Depot.'),
        carrierName: setting('CARRIER_NAME', text, undefined, 'Name.'),
        carrierContacts: setting('CARRIER_CONTACTS', list(email), [] as string[], 'Contacts.'),
      }),
    };
    expect(loadSettings({ CARRIER_DEPOT: ' Depot.example:8080 ' }, [shipping])).toMatchObject({
      port: 3000,
      carrierTimeoutMs: 5,
      carrierDepot: 'depot.example:8080',
      carrierName: undefined,
      carrierContacts: [],
    });
    expect(loadSettings({ CARRIER_CONTACTS: ' Ops@Example.com ,b@c.io' }, [shipping])).toMatchObject({
      carrierContacts: ['ops@example.com', 'b@c.io'],
    });
    expect(() => loadSettings({ CARRIER_CONTACTS: 'ops' }, [shipping])).toThrow(
      'CARRIER_CONTACTS must be a comma-separated list, each an email address (got "ops")',
    );
    expect(() => loadSettings({ CARRIER_TIMEOUT_MS: '11' }, [shipping])).toThrow(
      'CARRIER_TIMEOUT_MS must be an integer from 1 to 10 (got "11")',
    );
    expect(() => loadSettings({ CARRIER_DEPOT: '[::1]:0' }, [shipping])).toThrow('CARRIER_DEPOT must be host:port');
    expect(describeSettings([shipping]).slice(-4, -1)).toEqual([
      {
        owner: 'shipping',
        name: 'CARRIER_TIMEOUT_MS',
        default: '`5`',
        doc: 'Carrier call timeout. Accepts an integer from 1 to 10.',
      },
      {
        owner: 'shipping',
        name: 'CARRIER_DEPOT',
        default: '(unset)',
        doc: expect.stringContaining('Accepts host:port'),
      },
      { owner: 'shipping', name: 'CARRIER_NAME', default: '(unset)', doc: 'Name. Accepts any text.' },
    ]);
    const doc = renderSettingsDoc([shipping], '# Configuration\n\nProse.\n');
    expect(doc).toMatch(/^# Configuration\n\nProse.\n\n<!-- Generated below/);
    expect(doc).toContain('| `PORT` | `3000` | HTTP port (0 picks a free one). Accepts an integer from 0 to 65535. |');
    expect(doc.indexOf('## shipping (`src/modules/shipping/shipping.settings.ts`)')).toBeGreaterThan(
      doc.indexOf('`PORT`'),
    );
    expect(doc).toContain('| `CARRIER_NAME` | (unset) | Name. Accepts any text. |');
  });

  it('refuses a setting that two declarations both claim', () => {
    const twice = { name: 'twice', settings: defineSettings({ other: setting('PORT', text, undefined, 'Again.') }) };
    expect(() => loadSettings({}, [twice])).toThrow('settings: PORT is declared twice');
  });
});
