import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { AfterCommitCallbacks, afterCommit } from '../../libs/database/after-commit';
import { OUTBOX_CHANNEL, OutboxDoorbell } from '../../libs/messaging/events/outbox-doorbell';
import { eventually } from '../support/eventually';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('afterCommit and the outbox doorbell (relays woken after the commit, outside it)', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('after_commit');
    await db.query(`CREATE TABLE notes (id int PRIMARY KEY)`);
    dataSource = await new DataSource({
      type: 'postgres',
      url: db.url,
      poolSize: 4,
      subscribers: [AfterCommitCallbacks],
    }).initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** What another connection sees of note `id` at the moment a callback runs. */
  const seenFromOutside = async (id: number) =>
    (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM notes WHERE id = $1', [id]))[0]!.n;

  it('runs callbacks once the outer transaction has committed, once per key, and never after a rollback', async () => {
    const ran: string[] = [];
    const seen: Promise<number>[] = [];
    await dataSource.transaction(async (manager) => {
      await manager.query('INSERT INTO notes VALUES (1)');
      afterCommit(manager, 'a', () => {
        ran.push('a');
        seen.push(seenFromOutside(1));
      });
      afterCommit(manager, 'a', () => ran.push('a again'));
      // A savepoint released is not the commit.
      await manager.transaction(async (inner) => {
        await inner.query('INSERT INTO notes VALUES (2)');
        afterCommit(inner, 'b', () => ran.push('b'));
      });
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['a', 'b']);
    expect(await Promise.all(seen)).toEqual([1]);

    await expect(
      dataSource.transaction(async (manager) => {
        await manager.query('INSERT INTO notes VALUES (3)');
        afterCommit(manager, 'c', () => ran.push('c'));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    // The runner's next transaction must not inherit what the rolled-back one queued.
    await dataSource.transaction(async (manager) => manager.query('INSERT INTO notes VALUES (4)'));
    expect(ran).toEqual(['a', 'b']);
  });

  it('refuses a callback outside a transaction, where there is no commit to wait for', () => {
    expect(() => afterCommit(dataSource.manager, 'a', () => undefined)).toThrow(/inside a transaction/);
  });

  it('rings the relays with one NOTIFY per turn of rings that found none in flight, the rest sharing the next', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (message) => payloads.push(message.payload ?? ''));
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    try {
      const doorbell = new OutboxDoorbell(dataSource, 'notes');
      // Three rings in one turn share a NOTIFY; the nine that come while it runs share one more.
      for (let i = 0; i < 3; i++) doorbell.ring();
      await new Promise((resolve) => setImmediate(resolve)); // the first NOTIFY is in flight
      for (let i = 0; i < 9; i++) doorbell.ring();
      await eventually(
        async () => payloads.length,
        (n) => n >= 2,
        { what: 'the notifications' },
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(payloads).toEqual(['notes', 'notes']);
    } finally {
      await listener.end();
    }
  });
});
