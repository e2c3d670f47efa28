import { createServer, type AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';
import { connectionUnfit, databaseUnreachable } from './database-unreachable';

describe('databaseUnreachable', () => {
  it('is true for refused, dropped and shutting-down connections, and for a full server', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', '57P01', '57P03', '53300', '08006']) {
      expect(databaseUnreachable(Object.assign(new Error('x'), { code }))).toBe(true);
    }
    expect(databaseUnreachable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });

  it('is true for a query on a client whose connection broke under it', () => {
    // What node-postgres answers a query on a client after its connection failed mid-transaction.
    const broken = new Error('Client has encountered a connection error and is not queryable');
    expect(databaseUnreachable(new QueryFailedError('UPDATE', [], broken))).toBe(true);
  });

  it('is true for a write that reached a standby (a primary demoted by a failover)', () => {
    const readOnly = Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' });
    expect(databaseUnreachable(new QueryFailedError('INSERT', [], readOnly))).toBe(true);
  });

  it('calls a connection unfit after a standby, a shutdown or a connection failure, not after a bad query', () => {
    for (const code of ['25006', '57P01', '57P02', '57P03', '08006', '08P01']) expect(connectionUnfit(code)).toBe(true);
    for (const code of ['23505', '40001', '42601', '53300', undefined]) expect(connectionUnfit(code)).toBe(false);
  });

  it('is true for a TypeORM data source not connected yet', async () => {
    const notYet = new DataSource({ type: 'postgres', url: 'postgres://127.0.0.1:1/none' });
    const error = await notYet.query('SELECT 1').catch((failure: unknown) => failure);
    expect(databaseUnreachable(error)).toBe(true);
  });

  it('sees through TypeORM wrapping to the driver error', () => {
    const driverError = Object.assign(new Error('terminating connection'), { code: '57P01' });
    expect(databaseUnreachable(new QueryFailedError('SELECT 1', [], driverError))).toBe(true);
  });

  it("is true for pg-pool's errors when no connection can be had in time", async () => {
    // A server that accepts and never answers: the one slot's connect hangs, the next waits in the pool.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const pool = new Pool({
      host: '127.0.0.1',
      port: (silent.address() as AddressInfo).port,
      max: 1,
      connectionTimeoutMillis: 100,
    });
    pool.on('error', () => undefined);
    const failures = await Promise.all(
      [pool.connect(), pool.connect()].map((attempt) =>
        attempt.then(
          () => undefined,
          (error: unknown) => error,
        ),
      ),
    );
    await pool.end();
    silent.close();
    expect(failures.map(String)).toEqual([
      expect.stringMatching(/Connection terminated due to connection timeout/),
      expect.stringMatching(/timeout exceeded when trying to connect/),
    ]);
    for (const failure of failures) expect(databaseUnreachable(failure)).toBe(true);
  });

  it('is false for errors in the request or the query, and for non-errors', () => {
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(databaseUnreachable(new QueryFailedError('INSERT', [], unique))).toBe(false);
    expect(databaseUnreachable(Object.assign(new Error('serialization'), { code: '40001' }))).toBe(false);
    expect(databaseUnreachable(new TypeError('undefined is not a function'))).toBe(false);
    expect(databaseUnreachable(undefined)).toBe(false);
    expect(databaseUnreachable('timeout exceeded when trying to connect')).toBe(false);
  });
});
