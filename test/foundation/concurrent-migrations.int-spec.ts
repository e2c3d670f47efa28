import { runToExit, startApp } from '../support/app-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('migrations', () => {
  let db: TestDatabase;
  beforeEach(async () => (db = await createTestDatabase('migrate')));
  afterEach(() => db.drop());

  it('three processes started at once against a fresh database all become ready, and each migration ran once', async () => {
    const apps = await Promise.all(
      [1, 2, 3].map(() => startApp({ env: { DATABASE_URL: db.url }, readyTimeoutMs: 45_000 })),
    );
    try {
      for (const app of apps) {
        const startup = await fetch(`${app.url}/health/startup`);
        expect(startup.status).toBe(200);
      }
      expect(await db.query('SELECT name FROM fixture_notes.migration_log')).toEqual([
        { name: 'CreateNotes1764200000000' },
      ]);
      expect(await db.query('SELECT name FROM fixture_notes.migrations ORDER BY id')).toEqual([
        { name: 'MessagingTables1764000000000' },
        { name: 'CreateNotes1764200000000' },
        { name: 'DeliveryLedger1765000000000' },
        { name: 'OutboxTraceContext1766000000000' },
        { name: 'PartitionMessagingTables1767000000000' },
      ]);
      const applied = apps.filter((app) =>
        /module notes: applied migrations .*CreateNotes1764200000000/.test(app.output()),
      );
      expect(applied).toHaveLength(1);
    } finally {
      await Promise.all(apps.map((app) => app.stop()));
    }
  });

  it('`migrate` migrates the selected modules and exits 0 (the deployment one-shot)', async () => {
    const { code } = await runToExit({
      entry: 'fixture',
      args: ['migrate', '--modules', 'notes'],
      env: { DATABASE_URL: db.url },
    });
    expect(code).toBe(0);
    expect(await db.query('SELECT name FROM fixture_notes.migrations ORDER BY id')).toEqual([
      { name: 'MessagingTables1764000000000' },
      { name: 'CreateNotes1764200000000' },
      { name: 'DeliveryLedger1765000000000' },
      { name: 'OutboxTraceContext1766000000000' },
      { name: 'PartitionMessagingTables1767000000000' },
    ]);
    const again = await runToExit({ entry: 'fixture', args: ['migrate'], env: { DATABASE_URL: db.url } });
    expect(again.code).toBe(0);
    expect(await db.query('SELECT count(*)::int AS n FROM fixture_notes.migration_log')).toEqual([{ n: 1 }]);
  });

  it('keeps each module in its own schema, overridable per module', async () => {
    const other = await createTestDatabase('migrate_other');
    try {
      const app = await startApp({ env: { DATABASE_URL: db.url, NOTES_DATABASE_URL: other.url } });
      await app.stop();
      expect(await other.query(`SELECT count(*)::int AS n FROM fixture_notes.migrations`)).toEqual([{ n: 5 }]);
      expect(
        await db.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'fixture_notes'`),
      ).toEqual([{ n: 0 }]);
      expect(
        await db.query(`SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'fixture_echo'`),
      ).toEqual([{ schema_name: 'fixture_echo' }]);
    } finally {
      await other.drop();
    }
  });
});
