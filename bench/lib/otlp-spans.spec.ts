// The exporter's own serializers, so the counts are checked against what the app really sends.
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resources, tracing } from '@opentelemetry/sdk-node';
import { spansInExport } from './otlp-spans';

function finishedSpans(): tracing.ReadableSpan[] {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new tracing.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': 'bench' }),
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  // Two scopes, attributes and a large event: the walk must skip whatever a span holds.
  for (const scope of ['http', 'pg']) {
    const tracer = provider.getTracer(scope);
    for (let i = 0; i < 3; i++) {
      const span = tracer.startSpan(`${scope} ${i}`, { attributes: { 'http.route': '/v1/products/:id', n: i } });
      span.addEvent('payload', { body: 'x'.repeat(300) });
      span.end();
    }
  }
  return exporter.getFinishedSpans();
}

describe('spansInExport', () => {
  it('counts the spans of a protobuf export', () => {
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(finishedSpans())!);
    expect(spansInExport(body, 'application/x-protobuf')).toBe(6);
  });

  it('counts the spans of a JSON export', () => {
    const body = Buffer.from(JsonTraceSerializer.serializeRequest(finishedSpans())!);
    expect(spansInExport(body, 'application/json')).toBe(6);
  });

  it('counts none in an empty export, and refuses a truncated one', () => {
    expect(spansInExport(Buffer.alloc(0), 'application/x-protobuf')).toBe(0);
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(finishedSpans())!);
    expect(() => spansInExport(body.subarray(0, 5), 'application/x-protobuf')).toThrow('truncated');
  });
});
