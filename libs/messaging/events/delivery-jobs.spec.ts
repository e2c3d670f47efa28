import { randomUUID } from 'node:crypto';
import type { EventEnvelope } from '#libs/contracts';
import { deliveryJob, EVENT_BATCH_JOB, eventJob } from './delivery-jobs';

const settings = { eventMaxAttempts: 5, eventRetryDelayMs: 200 };
const event = (name = 'orders.order-placed'): EventEnvelope => ({
  id: randomUUID(),
  name,
  version: 1,
  publisher: 'ordering',
  occurredAt: new Date().toISOString(),
  aggregateId: randomUUID(),
  aggregateVersion: 1,
  correlationId: null,
  causationId: null,
  payload: {},
});

describe('deliveryJob', () => {
  it('delivers a lone event as a job of its own, named by its contract, with the retry budget', () => {
    const only = event();
    const job = deliveryJob('inventory', [only], settings);
    expect(job).toEqual(eventJob('inventory', only, settings));
    expect(job).toMatchObject({
      name: 'orders.order-placed@1',
      data: only,
      opts: { jobId: `inventory_${only.id}`, attempts: 5, removeOnComplete: true, removeOnFail: false },
    });
  });

  it('carries several events in one job, in the order given', () => {
    const events = [event(), event('orders.order-cancelled'), event()];
    const job = deliveryJob('payments', events, settings);
    expect(job.name).toBe(EVENT_BATCH_JOB);
    expect(job.data).toEqual({ events });
    expect(job.opts).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 200 } });
  });

  it('gives the same batch the same id, and another batch or subscriber another', () => {
    const events = [event(), event()];
    const id = (subscriber: string, batch: EventEnvelope[]) => deliveryJob(subscriber, batch, settings).opts.jobId;
    expect(id('payments', events)).toBe(id('payments', [...events]));
    expect(id('payments', [...events, event()])).not.toBe(id('payments', events));
    expect(id('inventory', events)).not.toBe(id('payments', events));
  });

  it('refuses an empty batch', () => {
    expect(() => deliveryJob('payments', [], settings)).toThrow('no events to deliver to payments');
  });
});
