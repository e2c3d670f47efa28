import { eventually } from '../support/eventually';
import { adminToken, api, target } from './target';

const copyOf = (id: string) => api().get(`/v1/tally/notes/${id}`);

describe(`integration events across modules (${target.topology})`, () => {
  it('an event published by one module is handled once by its subscriber, carrying the request id', async () => {
    const created = await api().post('/v1/notes').set('X-Request-Id', 'e2e-chain').send({ text: 'hello' }).expect(201);
    const copy = await eventually(
      () => copyOf(created.body.id),
      (r) => r.status === 200,
      { what: "the subscriber's copy" },
    );
    expect(copy.body).toMatchObject({ text: 'hello', version: 1, handledCount: 1, correlationId: 'e2e-chain' });
  });

  it('many events from many requests all arrive exactly once', async () => {
    const ids = await Promise.all(
      Array.from(
        { length: 40 },
        async (_, i) =>
          (
            await api()
              .post('/v1/notes')
              .send({ text: `burst ${i}` })
              .expect(201)
          ).body.id as string,
      ),
    );
    for (const id of ids) {
      const copy = await eventually(
        () => copyOf(id),
        (r) => r.status === 200,
        { what: `copy of ${id}` },
      );
      expect(copy.body.handledCount).toBe(1);
    }
  });

  it('updates reach the subscriber and the newest version wins', async () => {
    const created = await api().post('/v1/notes').send({ text: 'v1' }).expect(201);
    for (const text of ['v2', 'v3', 'v4']) await api().patch(`/v1/notes/${created.body.id}`).send({ text }).expect(200);
    const copy = await eventually(
      () => copyOf(created.body.id),
      (r) => r.status === 200 && r.body.version === 4,
    );
    expect(copy.body.text).toBe('v4');
  });

  it('a handler that keeps failing is retried, dead-lettered, and delivered once on replay', async () => {
    const bearer = `Bearer ${await adminToken()}`;
    const created = await api().post('/v1/notes').send({ text: 'fail:3' }).expect(201);
    const listed = await eventually(
      () => api().get('/v1/admin/dead-letters').set('Authorization', bearer).expect(200),
      (r) => (r.body.items as { aggregateId: string }[]).some((d) => d.aggregateId === created.body.id),
      { timeoutMs: 30_000, what: 'the dead letter' },
    );
    const letter = (listed.body.items as { id: string; aggregateId: string; attempts: number }[]).find(
      (d) => d.aggregateId === created.body.id,
    );
    expect(letter?.attempts).toBe(3);
    await api()
      .post('/v1/admin/dead-letters/replay')
      .set('Authorization', bearer)
      .send({ ids: [letter?.id] })
      .expect(200, { replayed: [letter?.id], notFound: [] });
    const copy = await eventually(
      () => copyOf(created.body.id),
      (r) => r.status === 200,
    );
    expect(copy.body.handledCount).toBe(1);
  });

  it('jobs enqueued through the API are processed by a worker', async () => {
    const created = await api().post('/v1/notes').send({ text: 'job' }).expect(201);
    await api().post(`/v1/notes/${created.body.id}/jobs`).expect(202);
    const note = await eventually(
      () => api().get(`/v1/notes/${created.body.id}`),
      (r) => r.body.processedByJob !== null,
    );
    expect(note.body.processedByJob).toMatch(/^\d+:\d+$/);
  });

  it('reports every subscribed inbox queue as consumed', async () => {
    const ready = await api().get('/health/ready').expect(200);
    expect(ready.body.details['event-consumers']).toEqual({
      status: 'up',
      queues: expect.arrayContaining(['inbox.catalog', 'inbox.tally']),
    });
  });
});
