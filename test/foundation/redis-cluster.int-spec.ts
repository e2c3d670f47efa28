import { randomUUID } from 'node:crypto';
import { Cluster } from 'ioredis';
import request from 'supertest';
import { startApp, type AppProcess } from '../support/app-process';
import { startDisposableRedisCluster, type DisposableRedisCluster } from '../support/disposable-services';
import { ADMIN_EMAIL, adminSession } from '../support/sessions';
import { uniqueId } from '../support/services';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const AUTH_LIMIT = 6;

/**
 * Two processes on a three-master Redis Cluster of the test's own (REDIS_CLUSTER_NODES): the
 * state replicas share through Redis is shared there too. The cache invalidation bus (pub/sub,
 * carried by the cluster bus) reaches the other process, the rate-limit counters are one count,
 * and the queues live under the hash tag `{QUEUE_PREFIX}`, on one node.
 */
describe('two processes on a Redis Cluster', () => {
  let cluster: DisposableRedisCluster;
  let db: TestDatabase;
  let processes: AppProcess[];
  const prefix = uniqueId('cl');

  beforeAll(async () => {
    cluster = await startDisposableRedisCluster(3);
    db = await createTestDatabase('redis_cluster');
    const env = {
      DATABASE_URL: db.url,
      REDIS_CLUSTER_NODES: cluster.nodes,
      QUEUE_PREFIX: prefix,
      ADMIN_EMAILS: ADMIN_EMAIL,
      CACHE_TTL_SECONDS: '300',
      RATE_LIMIT_AUTH: `${AUTH_LIMIT}/60s`,
      // The limit test speaks for a client address of its own (X-Forwarded-For from loopback).
      TRUST_PROXY: 'loopback',
    };
    processes = await Promise.all([1, 2].map(() => startApp({ env, readyTimeoutMs: 90_000 })));
  }, 180_000);
  afterAll(async () => {
    await Promise.all((processes ?? []).map((p) => p.stop()));
    await cluster?.stop();
    await db?.drop();
  });

  it('limits a client by one count across both processes', async () => {
    const [a, b] = processes as [AppProcess, AppProcess];
    const client = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    const attempt = (p: AppProcess) =>
      request(p.url)
        .post('/v1/auth/login')
        .set('X-Forwarded-For', client)
        .send({ email: `nobody-${randomUUID()}@example.com`, password: 'wrong-1234' });
    const statuses: number[] = [];
    // Alternating between the two: each sees only half the attempts, the shared counter all.
    for (let i = 0; i < AUTH_LIMIT + 2; i++) statuses.push((await attempt(i % 2 === 0 ? a : b)).status);
    expect(statuses.slice(0, AUTH_LIMIT).every((s) => s !== 429)).toBe(true);
    expect(statuses.slice(AUTH_LIMIT)).toEqual([429, 429]);
  });

  it('serves an update made through one process from the other within a second', async () => {
    const [a, b] = processes as [AppProcess, AppProcess];
    const bearer = `Bearer ${(await adminSession(a.url)).accessToken}`;
    const categoryId = (
      await request(a.url)
        .post('/v1/categories')
        .set('Authorization', bearer)
        .send({ name: 'Cluster', slug: `cluster-${prefix.toLowerCase().replace(/_/g, '-')}` })
        .expect(201)
    ).body.id as string;
    const product = (
      await request(a.url)
        .post('/v1/products')
        .set('Authorization', bearer)
        .send({
          sku: `CL-${randomUUID().slice(0, 8)}`,
          name: 'Clustered lamp',
          description: '',
          categoryId,
          price: { amount: 1000, currency: 'EUR' },
          status: 'active',
        })
        .expect(201)
    ).body as { id: string };
    // Cached in both processes' memory tiers and in the cluster's Redis tier.
    for (const p of processes) await request(p.url).get(`/v1/products/${product.id}`).expect(200);
    const current = await request(a.url).get(`/v1/products/${product.id}`).expect(200);
    const updatedAt = Date.now();
    await request(a.url)
      .patch(`/v1/products/${product.id}`)
      .set('Authorization', bearer)
      .set('If-Match', current.headers.etag!)
      .send({ name: 'Renamed clustered lamp' })
      .expect(200);
    for (;;) {
      const seen = await request(b.url).get(`/v1/products/${product.id}`).expect(200);
      if (seen.body.name === 'Renamed clustered lamp') break;
      expect(Date.now() - updatedAt).toBeLessThan(1000);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('keeps every queue key under the hash tag {QUEUE_PREFIX}, in one slot', async () => {
    const nodes = cluster.nodes.split(',').map((node) => {
      const [host, port] = node.split(':') as [string, string];
      return { host, port: Number(port) };
    });
    const client = new Cluster(nodes);
    try {
      await client.ping(); // connected: the client knows the masters now
      const keys = (
        await Promise.all(client.nodes('master').map((node) => node.keys(`*${prefix}*`) as Promise<string[]>))
      ).flat();
      const queueKeys = keys.filter((key) => !key.includes(':cache:') && !key.includes(':rate:'));
      expect(queueKeys.length).toBeGreaterThan(0);
      expect(queueKeys.filter((key) => !key.startsWith(`{${prefix}}:`))).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
