/**
 * Integration-event pipeline benchmark (issue: outbox -> relay -> queue -> inbox handler).
 *
 *   npm run bench:events [-- --events 5000 --rate 500 --seconds 10 --backend redis|postgres|all]
 *
 * For each queue backend, in one run (each side warmed up by one uncounted run): raw BullMQ (addBulk + a Worker doing nothing, concurrency
 * 50) as the baseline; Tessera end to end (events written to the notes fixture's outbox in
 * transactions, relayed, handled by the tally fixture in its inbox transaction), once with a
 * handler that writes nothing (the inbox record is its whole effect: like for like with raw
 * BullMQ's worker), once with one that writes per event and once with one that applies each
 * transaction's deliveries in one statement (`handleMany`); and
 * commit-to-handled latency at a fixed arrival rate, with the outbox backlog sampled.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { createPostgresBackend, Queue, Worker } from 'bullmq';
import { Client } from 'pg';
import { benchArgs } from './bench-args';
import { readRuntime, stallsBetween, type RuntimeReading, type ServerStalls } from './lib/server-stalls';
import { ROOT, startApp } from '../test/support/app-process';
import { queueBackends, type QueueBackendUnderTest } from '../test/support/queue-backends';
import { REDIS_URL, UNUSED_JWKS_URL } from '../test/support/services';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database';

const args = benchArgs();
const EVENTS = Number(args.get('events') ?? 5000);
const RATE = Number(args.get('rate') ?? 500);
const SECONDS = Number(args.get('seconds') ?? 10);
const WARMUP_SECONDS = Number(args.get('warmup-seconds') ?? 2);
const REPEAT = Number(args.get('repeat') ?? 3);
const BACKENDS = (args.get('backend') ?? 'all') === 'all' ? ['redis', 'postgres'] : [args.get('backend')];

interface BackendResult {
  backend: string;
  rawJobsPerSecond: Spread;
  /** Events whose handler writes nothing beyond the inbox record (`NoteArchived`): the pipeline alone. */
  noWriteEventsPerSecond: Spread;
  noWriteRatio: number;
  /** Events whose handler writes once per event (the tally fixture's `NoteCreated`). */
  pipelineEventsPerSecond: Spread;
  ratio: number;
  /** Events whose handler applies a transaction's deliveries in one statement (`NoteUpdated`). */
  setWiseEventsPerSecond: Spread;
  setWiseRatio: number;
  latencyAtRate: {
    rate: number;
    events: number;
    p50Ms: number;
    p99Ms: number;
    maxMs: number;
    /** Where the time goes: outbox insert to the relay's claim (`sent_at`), then to the inbox claim. */
    stages: { toSentP50Ms: number; toSentP99Ms: number; sentToHandledP50Ms: number; sentToHandledP99Ms: number };
    maxOutboxPending: number;
    achievedRate: number;
    /** What held up the app's event loop in the measured window (its /metrics, before and after). */
    appStalls: ServerStalls;
  };
}

function connectionFor(backend: QueueBackendUnderTest, db: TestDatabase): { connection: never; factory?: never } {
  if (backend.name === 'redis') {
    const url = new URL(REDIS_URL);
    return { connection: { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null } as never };
  }
  return {
    connection: { connectionString: db.url, migrate: true, max: 8 } as never,
    factory: createPostgresBackend as never,
  };
}

async function rawBullmq(backend: QueueBackendUnderTest, db: TestDatabase): Promise<number> {
  const { connection, factory } = connectionFor(backend, db);
  const prefix = `${backend.env().QUEUE_PREFIX as string}_raw`;
  const queue = new Queue('raw', { connection, prefix }, factory);
  let done = 0;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const worker = new Worker(
    'raw',
    async () => undefined,
    { connection, prefix, concurrency: 50, autorun: false, removeOnComplete: { count: 0 } },
    factory,
  );
  worker.on('completed', () => {
    if (++done === EVENTS) finish();
  });
  await queue.waitUntilReady();
  const started = Date.now();
  void worker.run();
  for (let i = 0; i < EVENTS; i += 500) {
    await queue.addBulk(
      Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => ({ name: 'noop', data: { i: i + j } })),
    );
  }
  await finished;
  const seconds = (Date.now() - started) / 1000;
  await worker.close();
  await queue.obliterate({ force: true }).catch(() => undefined);
  await queue.close();
  return EVENTS / seconds;
}

type HandlerShape = 'no-write' | 'one-by-one' | 'set-wise';
const EVENT_OF_SHAPE: Record<HandlerShape, string> = {
  'no-write': 'notes.note-archived',
  'one-by-one': 'notes.note-created',
  'set-wise': 'notes.note-updated',
};

async function insertEvents(client: Client, count: number, shape: HandlerShape = 'one-by-one'): Promise<void> {
  const values: unknown[] = [];
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const noteId = randomUUID();
    values.push(randomUUID(), noteId, JSON.stringify({ noteId, text: 'bench' }));
    rows.push(`($${i * 3 + 1}, '${EVENT_OF_SHAPE[shape]}', 1, $${i * 3 + 2}, 1, $${i * 3 + 3})`);
  }
  await client.query('BEGIN');
  await client.query(
    `INSERT INTO fixture_notes.outbox (event_id, event_name, event_version, aggregate_id, aggregate_version, payload) VALUES ${rows.join(',')}`,
    values,
  );
  await client.query(`SELECT pg_notify('tessera_outbox', 'fixture_notes')`);
  await client.query('COMMIT');
}

async function countHandled(client: Client): Promise<number> {
  return (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM fixture_tally.inbox')).rows[0]!.n;
}

async function waitForHandled(client: Client, target: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await countHandled(client)) < target) {
    if (Date.now() > deadline)
      throw new Error(`only ${await countHandled(client)} of ${target} events handled in time`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function pipeline(
  backend: QueueBackendUnderTest,
  db: TestDatabase,
): Promise<Omit<BackendResult, 'backend' | 'rawJobsPerSecond' | 'noWriteRatio' | 'ratio' | 'setWiseRatio'>> {
  const app = await startApp({
    nodeArgs: args.has('cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${args.get('cpu-prof')}`] : [],
    args: ['--modules', 'notes,tally'],
    env: {
      DATABASE_URL: db.url,
      ...backend.env(),
      ...(args.has('concurrency') ? { EVENT_CONSUMER_CONCURRENCY: args.get('concurrency') } : {}),
      LOG_LEVEL: 'warn',
      AUTH_JWKS_URL: UNUSED_JWKS_URL,
    },
  });
  const client = new Client({ connectionString: db.url });
  await client.connect();
  try {
    // Throughput: the whole backlog written at once, timed until the last handler commits.
    // The handler shapes alternate, so a change in the machine's speed hits them alike.
    const runs: Record<HandlerShape, number[]> = { 'no-write': [], 'one-by-one': [], 'set-wise': [] };
    for (let run = 0; run <= REPEAT; run++) {
      for (const shape of ['no-write', 'one-by-one', 'set-wise'] as const) {
        await client.query('TRUNCATE fixture_tally.inbox, fixture_tally.note_copies');
        const started = Date.now();
        for (let i = 0; i < EVENTS; i += 500) await insertEvents(client, Math.min(500, EVENTS - i), shape);
        await waitForHandled(client, EVENTS, 180_000);
        if (run > 0) runs[shape].push(EVENTS / ((Date.now() - started) / 1000));
      }
    }
    const noWriteEventsPerSecond = spread(runs['no-write']);
    const pipelineEventsPerSecond = spread(runs['one-by-one']);
    const setWiseEventsPerSecond = spread(runs['set-wise']);

    // Latency: a fixed arrival rate in 10 ms ticks, from commit to the handler's commit. The
    // bursts above leave tens of thousands of dead rows; vacuum them as autovacuum would in a
    // steady state, and run the rate for WARMUP_SECONDS before counting, so that the first
    // second after the bursts is not what the tail measures.
    await client.query('TRUNCATE fixture_tally.inbox, fixture_tally.note_copies');
    await client.query('DELETE FROM fixture_notes.outbox');
    await client.query('VACUUM ANALYZE fixture_notes.outbox, fixture_tally.inbox, fixture_tally.note_copies');
    const warmup = RATE * WARMUP_SECONDS;
    const total = warmup + RATE * SECONDS;
    const perTick = RATE / 100;
    const sampler = new Client({ connectionString: db.url });
    await sampler.connect();
    let maxOutboxPending = 0;
    let sampling = true;
    const samples = (async () => {
      while (sampling) {
        const n = (
          await sampler.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM fixture_notes.outbox WHERE sent_at IS NULL',
          )
        ).rows[0]!.n;
        maxOutboxPending = Math.max(maxOutboxPending, n);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    const rateStart = Date.now();
    let measuredFrom = rateStart;
    let runtimeBefore: Promise<RuntimeReading> | undefined;
    let sent = 0;
    let carry = 0;
    for (let tick = 0; sent < total; tick++) {
      carry += perTick;
      const now = Math.floor(carry);
      carry -= now;
      if (sent === warmup) {
        measuredFrom = Date.now();
        // Not awaited: the ticks go on. It also resets the app's event-loop maximum.
        runtimeBefore = readRuntime(app.url);
      }
      if (now > 0) {
        await insertEvents(client, Math.min(now, total - sent));
        sent += Math.min(now, total - sent);
      }
      const wait = rateStart + (tick + 1) * 10 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const achievedRate = (total - warmup) / ((Date.now() - measuredFrom) / 1000);
    await waitForHandled(client, total, 180_000);
    const appStalls = stallsBetween(await (runtimeBefore ?? readRuntime(app.url)), await readRuntime(app.url));
    sampling = false;
    await samples;
    await sampler.end();
    const latency = (
      await client.query<{
        p50: number;
        p99: number;
        max: number;
        relayP50: number;
        relayP99: number;
        queueP50: number;
        queueP99: number;
      }>(
        `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY relay_ms) AS "relayP50", percentile_cont(0.99) WITHIN GROUP (ORDER BY relay_ms) AS "relayP99",
                percentile_cont(0.5) WITHIN GROUP (ORDER BY queue_ms) AS "queueP50", percentile_cont(0.99) WITHIN GROUP (ORDER BY queue_ms) AS "queueP99"
           FROM (SELECT extract(epoch FROM i.handled_at - o.occurred_at) * 1000 AS ms,
                        extract(epoch FROM o.sent_at - o.occurred_at) * 1000 AS relay_ms,
                        extract(epoch FROM i.handled_at - o.sent_at) * 1000 AS queue_ms
                   FROM fixture_tally.inbox i JOIN fixture_notes.outbox o ON o.event_id = i.event_id
                  WHERE o.occurred_at >= to_timestamp($1::double precision / 1000)) AS t`,
        [measuredFrom],
      )
    ).rows[0]!;
    return {
      noWriteEventsPerSecond,
      pipelineEventsPerSecond,
      setWiseEventsPerSecond,
      latencyAtRate: {
        rate: RATE,
        events: total - warmup,
        p50Ms: round(latency.p50),
        p99Ms: round(latency.p99),
        maxMs: round(latency.max),
        stages: {
          toSentP50Ms: round(latency.relayP50),
          toSentP99Ms: round(latency.relayP99),
          sentToHandledP50Ms: round(latency.queueP50),
          sentToHandledP99Ms: round(latency.queueP99),
        },
        maxOutboxPending,
        achievedRate: round(achievedRate),
        appStalls,
      },
    };
  } finally {
    await client.end();
    await app.stop();
  }
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    median: round(sorted[Math.floor(sorted.length / 2)]!),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function fmt(value: Spread): string {
  return `${Math.round(value.median)} (${Math.round(value.min)}-${Math.round(value.max)})`;
}

async function main(): Promise<void> {
  const results: BackendResult[] = [];
  for (const backend of queueBackends().filter((b) => BACKENDS.includes(b.name))) {
    const db = await createTestDatabase(`bench_events_${backend.name}`);
    try {
      process.stdout.write(`\n[${backend.name}] raw BullMQ, ${EVENTS} jobs...\n`);
      const raw: number[] = [];
      // The first run of each side warms the JIT and the connections; it is not counted.
      for (let run = 0; run <= REPEAT; run++) {
        const rate = await rawBullmq(backend, db);
        if (run > 0) raw.push(rate);
      }
      const rawJobsPerSecond = spread(raw);
      process.stdout.write(
        `[${backend.name}] Tessera pipeline, ${EVENTS} events, then ${RATE}/s for ${SECONDS} s...\n`,
      );
      const measured = await pipeline(backend, db);
      results.push({
        backend: backend.name,
        rawJobsPerSecond,
        ...measured,
        noWriteRatio: Math.round((measured.noWriteEventsPerSecond.median / rawJobsPerSecond.median) * 100) / 100,
        ratio: Math.round((measured.pipelineEventsPerSecond.median / rawJobsPerSecond.median) * 100) / 100,
        setWiseRatio: Math.round((measured.setWiseEventsPerSecond.median / rawJobsPerSecond.median) * 100) / 100,
      });
    } finally {
      await backend.cleanup();
      await db.drop();
    }
  }
  const lines = [
    `| backend | raw BullMQ jobs/s median (min-max) | Tessera events/s, handler writing nothing | ratio | Tessera events/s, handler writing one by one | ratio | Tessera events/s, set-wise handler | ratio | rate (achieved) | p50 ms | p99 ms | max ms | to sent p50 / p99 ms | app loop stall max ms / GC pauses > 10 ms | max outbox backlog |`,
    `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
    ...results.map(
      (r) =>
        `| ${r.backend} | ${fmt(r.rawJobsPerSecond)} | ${fmt(r.noWriteEventsPerSecond)} | ${r.noWriteRatio} | ${fmt(r.pipelineEventsPerSecond)} | ${r.ratio} | ${fmt(r.setWiseEventsPerSecond)} | ${r.setWiseRatio} | ${r.latencyAtRate.rate}/s (${r.latencyAtRate.achievedRate}) | ${r.latencyAtRate.p50Ms} | ${r.latencyAtRate.p99Ms} | ${r.latencyAtRate.maxMs} | ${r.latencyAtRate.stages.toSentP50Ms} / ${r.latencyAtRate.stages.toSentP99Ms} | ${r.latencyAtRate.appStalls.eventLoopMaxMs} / ${r.latencyAtRate.appStalls.gcPausesOver10ms} | ${r.latencyAtRate.maxOutboxPending} |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `events-${new Date().toISOString().slice(0, 10)}.json`);
  await writeFile(
    file,
    JSON.stringify(
      { machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version }, events: EVENTS, results },
      null,
      2,
    ),
  );
  process.stdout.write(`written ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
