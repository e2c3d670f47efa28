import { eventually } from '../support/eventually';
import { api, target } from './target';

describe(`platform conventions through the front door (${target.topology})`, () => {
  it('answers the probes and the metrics', async () => {
    await api().get('/health/live').expect(200);
    const ready = await api().get('/health/ready').expect(200);
    expect(ready.body.details.database.status).toBe('up');
    expect(ready.body.details.queues).toEqual({ status: 'up', backend: 'redis' });
    const metrics = await api().get('/metrics').expect(200);
    expect(metrics.text).toContain('tessera_info{');
    // The replicated and split deployments read from a streaming replica.
    if (target.topology !== 'single') {
      const withReplica = await eventually(
        () => api().get('/health/ready'),
        (r) => r.body.details?.replicas?.status === 'up',
      );
      expect(
        Object.values(withReplica.body.details.replicas).some(
          (r) => (r as { inRotation?: boolean }).inRotation === true,
        ),
      ).toBe(true);
    }
  });

  it("answers unknown routes with problem+json and keeps the caller's request id across the load balancer", async () => {
    const response = await api().get('/v1/does-not-exist').set('X-Request-Id', 'e2e-req-1').expect(404);
    expect(response.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(response.headers['x-request-id']).toBe('e2e-req-1');
    expect(response.body.requestId).toBe('e2e-req-1');
  });

  it('publishes the OpenAPI document', async () => {
    const document = await api().get('/docs-json').expect(200);
    expect(document.body.info.title).toBe('Tessera API');
  });
});

describe(`the processes behind the front door (${target.topology})`, () => {
  it('spreads requests over every replica (replicated) or routes a module to its own process (single, split)', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 12; i++) pids.add((await api().get('/v1/echo').expect(200)).body.pid as number);
    expect(pids.size).toBe(target.topology === 'replicated' ? 3 : 1);
  });
});
