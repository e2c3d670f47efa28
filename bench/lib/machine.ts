import { cpus, loadavg, release, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import { Client } from 'pg';

export interface MachineDescription {
  readonly cpus: number;
  readonly model: string;
  readonly memoryGb: number;
  readonly kernel: string;
  readonly node: string;
  readonly postgres: string;
  readonly postgresMaxConnections: number;
  readonly redis: string;
  /** 1-minute load average when the run started: a busy machine makes every figure suspect. */
  readonly loadAverageAtStart: number;
}

export async function describeMachine(postgresUrl: string, redisUrl: string): Promise<MachineDescription> {
  const sql = new Client({ connectionString: postgresUrl });
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await sql.connect();
  try {
    const version = (await sql.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    const maxConnections = (await sql.query<{ max_connections: string }>('SHOW max_connections')).rows[0]!
      .max_connections;
    await redis.connect();
    const info = await redis.info('server');
    return {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      kernel: release(),
      node: process.version,
      postgres: version,
      postgresMaxConnections: Number(maxConnections),
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
      loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    };
  } finally {
    await sql.end();
    redis.disconnect();
  }
}
