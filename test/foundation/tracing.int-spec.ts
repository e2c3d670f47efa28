import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { ROOT, startApp } from '../support/app-process';
import { eventually } from '../support/eventually';
import { OtlpReceiver, SPAN_KIND, type ReceivedSpan } from '../support/otlp-receiver';
import { adminSession, freshEmail, sessionFor } from '../support/sessions';
import { stockedProduct } from '../support/stocked-product';
import { createTestDatabase } from '../support/test-database';
import { launchTopology, type RunningTopology } from '../topology/topology';

/** Exports as JSON to the test's receiver, in small, quick batches. */
const tracingTo = (receiver: OtlpReceiver): NodeJS.ProcessEnv => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  OTEL_BSP_SCHEDULE_DELAY: '100',
});

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};

describe('one order, one trace, across the split topology', () => {
  let receiver: OtlpReceiver;
  let running: RunningTopology;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    running = await launchTopology('split', 'main', undefined, { ...tracingTo(receiver), LOG_LEVEL: 'debug' });
  }, 180_000);
  afterAll(async () => {
    await running?.stop();
    await receiver?.stop();
  });

  it('joins the request, the relays, every worker and the provider webhook in one trace', async () => {
    const { baseUrl } = running;
    const admin = `Bearer ${(await adminSession(baseUrl)).accessToken}`;
    const buyer = `Bearer ${(await sessionFor(baseUrl, freshEmail('tracing'))).accessToken}`;
    const { productId } = await stockedProduct(baseUrl, admin, { label: 'Tracing', onHand: 5 });

    // The caller starts the trace: its traceparent crosses nginx, and the order's trace is found by its id.
    let traceId = '';
    const placed = await eventually(
      () => {
        const parent = traceparent();
        traceId = parent.traceId;
        return request(baseUrl)
          .post('/v1/orders')
          .set('Authorization', buyer)
          .set('Idempotency-Key', randomUUID())
          .set('traceparent', parent.header)
          .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' });
      },
      (response) => response.status === 201,
      { what: "ordering's projection of the product" },
    );
    const orderId = placed.body.id as string;
    await eventually(
      () => request(baseUrl).get(`/v1/orders/${orderId}`).set('Authorization', buyer),
      (response) => response.body.status === 'confirmed',
      { timeoutMs: 20_000, what: `order ${orderId} confirmed` },
    );

    const find = (spans: ReceivedSpan[], kind: number, name: string, module?: string) =>
      spans.find(
        (span) =>
          span.kind === kind &&
          span.name === name &&
          (module === undefined || String(span.resource['tessera.modules']) === module),
      );
    const spans = (
      await eventually(
        async () => receiver.trace(traceId),
        (trace) =>
          [
            // The webhook's parent (the sender's fetch) ends last: once it is here, so is the rest.
            trace.find(
              (span) =>
                span.spanId === find(trace, SPAN_KIND.server, 'POST /v1/payments/webhooks/:provider')?.parentSpanId,
            ),
            find(trace, SPAN_KIND.consumer, 'process payments.payment-succeeded', 'ordering'),
            find(trace, SPAN_KIND.server, 'POST /v1/payments/webhooks/:provider', 'payments'),
            find(trace, SPAN_KIND.consumer, 'process payments.sandbox-webhooks', 'payments'),
            find(trace, SPAN_KIND.producer, 'publish ordering.order-confirmed'),
          ].every(Boolean),
        { timeoutMs: 20_000, what: `the spans of trace ${traceId}` },
      )
    ).slice();
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const parentOf = (span: ReceivedSpan) => (span.parentSpanId ? byId.get(span.parentSpanId) : undefined);

    // The api process: the HTTP span with its route and status code.
    const server = find(spans, SPAN_KIND.server, 'POST /v1/orders', 'ordering')!;
    expect(server).toBeDefined();
    expect(server.attributes['http.route']).toBe('/v1/orders');
    expect(server.attributes['http.response.status_code'] ?? server.attributes['http.status_code']).toBe(201);
    expect(String(server.resource['tessera.roles'])).toBe('api,worker');
    expect(server.resource['service.name']).toBe('tessera');

    // The relay: publishing OrderPlaced is a PRODUCER span of the request's trace, in the relay process.
    const published = find(spans, SPAN_KIND.producer, 'publish ordering.order-placed')!;
    expect(published).toBeDefined();
    expect(published.resource['tessera.roles']).toBe('relay');
    let ancestor = parentOf(published);
    while (ancestor && ancestor !== server) ancestor = parentOf(ancestor);
    expect(ancestor).toBe(server);

    // The inventory worker handles it as a CONSUMER span, child of that publish.
    const reserved = find(spans, SPAN_KIND.consumer, 'process ordering.order-placed', 'inventory')!;
    expect(reserved).toBeDefined();
    expect(reserved.parentSpanId).toBe(published.spanId);
    expect(reserved.attributes['messaging.destination.subscription.name']).toBe('inbox.inventory');

    // ... whose StockReserved the payments worker handles, through the relay again.
    const charging = find(spans, SPAN_KIND.consumer, 'process inventory.stock-reserved', 'payments')!;
    expect(charging).toBeDefined();
    const stockPublished = parentOf(charging)!;
    expect(stockPublished).toMatchObject({ kind: SPAN_KIND.producer, name: 'publish inventory.stock-reserved' });
    expect(stockPublished.resource['tessera.roles']).toBe('relay');

    // The charge, made once that handler's transaction commits, as a follow-up of StockReserved;
    // the sandbox's webhook job (BullMQ's telemetry) descends from it, then the webhook's HTTP span.
    const charge = find(spans, SPAN_KIND.internal, 'charge payment', 'payments')!;
    expect(parentOf(charge)).toBe(stockPublished);
    const webhook = find(spans, SPAN_KIND.server, 'POST /v1/payments/webhooks/:provider', 'payments')!;
    expect(webhook.attributes['http.route']).toBe('/v1/payments/webhooks/:provider');
    const sender = find(spans, SPAN_KIND.consumer, 'process payments.sandbox-webhooks', 'payments')!;
    let chargedWithin = parentOf(sender);
    while (chargedWithin && chargedWithin !== charge) chargedWithin = parentOf(chargedWithin);
    expect(chargedWithin).toBe(charge);
    expect(parentOf(webhook)).toMatchObject({ kind: SPAN_KIND.client, parentSpanId: sender.spanId });

    // Confirmation: ordering handles PaymentSucceeded, and announces OrderConfirmed.
    expect(find(spans, SPAN_KIND.consumer, 'process payments.payment-succeeded', 'ordering')).toBeDefined();
    expect(find(spans, SPAN_KIND.producer, 'publish ordering.order-confirmed')).toBeDefined();

    // Every process named its modules and roles; the log lines of the trace carry its ids.
    const processes = [
      ...new Set(spans.map((span) => `${span.resource['tessera.modules']}/${span.resource['tessera.roles']}`)),
    ];
    expect(processes).toEqual(
      expect.arrayContaining(['ordering/api,worker', 'inventory/api,worker', 'payments/api,worker']),
    );
    expect(processes.some((name) => name.endsWith('/relay'))).toBe(true);
    const logged = running.processes.flatMap((app) =>
      app
        .output()
        .split('\n')
        .filter((line) => line.includes(`"trace_id":"${traceId}"`)),
    );
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.every((line) => /"span_id":"[0-9a-f]{16}"/.test(line))).toBe(true);
    // Traces only: metrics stay Prometheus's, logs stdout's.
    expect([...receiver.paths]).toEqual(['/v1/traces']);
  }, 90_000);

  it('keeps an order the caller did not sample unsampled in every process', async () => {
    const { baseUrl } = running;
    const admin = `Bearer ${(await adminSession(baseUrl)).accessToken}`;
    const buyer = `Bearer ${(await sessionFor(baseUrl, freshEmail('untraced'))).accessToken}`;
    const { productId } = await stockedProduct(baseUrl, admin, { label: 'Untraced', onHand: 5 });
    const unsampled = () => {
      const traceId = randomBytes(16).toString('hex');
      return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-00` };
    };

    // The sampler follows the caller's "not sampled": neither the request nor anything it causes
    // in the relays and workers (jobs, the webhook call) may trace, or start a trace of its own.
    const parent = unsampled();
    const placed = await eventually(
      () =>
        request(baseUrl)
          .post('/v1/orders')
          .set('Authorization', buyer)
          .set('Idempotency-Key', randomUUID())
          .set('traceparent', parent.header)
          .send({ lines: [{ productId, quantity: 1 }], paymentMethod: 'pm_card_ok' }),
      (response) => response.status === 201,
      { what: "ordering's projection of the product" },
    );
    const since = receiver.spans.length;
    await eventually(
      () =>
        request(baseUrl)
          .get(`/v1/orders/${placed.body.id as string}`)
          .set('Authorization', buyer)
          .set('traceparent', unsampled().header),
      (response) => response.body.status === 'confirmed',
      { timeoutMs: 20_000, what: `order ${placed.body.id as string} confirmed` },
    );
    // Spans are exported every 100 ms: anything the saga traced would be here well within this.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const sagaSpans =
      /^(POST \/v1\/(orders|payments\/webhooks)|publish (ordering\.order-placed|inventory\.stock-reserved|payments\.payment-succeeded)|process (ordering\.order-placed|inventory\.stock-reserved|payments\.))/;
    expect(
      receiver.spans
        .slice(since)
        .filter((span) => sagaSpans.test(span.name))
        .map((span) => span.name),
    ).toEqual([]);
    expect(receiver.trace(parent.traceId)).toEqual([]);
  }, 90_000);
});

describe('without an exporter', () => {
  /** The OpenTelemetry modules a process has loaded once its entrypoint's first import ran. */
  const loadedAfterInstrumentation = (env: NodeJS.ProcessEnv): string[] => {
    const script = `require('./dist/instrumentation.js');
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((p) => p.includes('@opentelemetry'))));
      process.exit(0);`;
    const scrubbed = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
    const out = execFileSync(process.execPath, ['-e', script], { cwd: ROOT, env: { ...scrubbed, ...env } });
    return (JSON.parse(out.toString()) as string[]).map((path) => path.replace(/.*node_modules[\\/]/, ''));
  };

  it('loads no SDK and no instrumentation', () => {
    const sdk = /^@opentelemetry[\\/](sdk-|instrumentation|exporter-)/;
    expect(loadedAfterInstrumentation({}).filter((path) => sdk.test(path))).toEqual([]);
    expect(
      loadedAfterInstrumentation({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_SDK_DISABLED: 'true',
      }).filter((path) => sdk.test(path)),
    ).toEqual([]);
    // The control: with an endpoint, the same first import has started the SDK.
    expect(loadedAfterInstrumentation({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^@opentelemetry[\\/]sdk-node/)]),
    );
  });

  it('does not start the SDK: no export, no trace ids in the logs', async () => {
    const receiver = await OtlpReceiver.start();
    const db = await createTestDatabase('tracing_off');
    try {
      // An endpoint, but the exporter turned off: a process that started the SDK anyway would export here.
      const off = await startApp({
        entry: 'main',
        env: { DATABASE_URL: db.url, LOG_LEVEL: 'debug', ...tracingTo(receiver), OTEL_TRACES_EXPORTER: 'none' },
      });
      // Nothing configured at all.
      const unset = await startApp({ entry: 'main', env: { DATABASE_URL: db.url, LOG_LEVEL: 'debug' } });
      for (const app of [off, unset]) {
        await request(app.url).get('/v1/products?limit=1').set('traceparent', traceparent().header).expect(200);
        await request(app.url)
          .post('/v1/auth/login')
          .send({ email: freshEmail(), password: 'x'.repeat(12) });
      }
      await Promise.all([off.stop(), unset.stop()]);
      expect(receiver.requests).toBe(0);
      for (const app of [off, unset]) {
        expect(app.output()).not.toMatch(/trace_id|span_id|opentelemetry|OTLP/i);
      }
    } finally {
      await receiver.stop();
      await db.drop();
    }
  }, 90_000);
});
