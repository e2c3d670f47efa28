/**
 * How many spans one OTLP/HTTP trace export carries, in either encoding the exporter sends:
 * `application/x-protobuf` (the default, `http/protobuf`) or `application/json`.
 */
export function spansInExport(body: Buffer, contentType: string | undefined): number {
  if (contentType?.includes('json')) {
    const payload = JSON.parse(body.toString('utf8')) as {
      resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
    };
    let spans = 0;
    for (const resource of payload.resourceSpans ?? [])
      for (const scope of resource.scopeSpans ?? []) spans += scope.spans?.length ?? 0;
    return spans;
  }
  // ExportTraceServiceRequest: resource_spans = 1 → ResourceSpans: scope_spans = 2 → ScopeSpans: spans = 2.
  // Walking the three levels' field headers is enough to count: no span is decoded.
  let spans = 0;
  for (const resource of fields(body, 0, body.length, 1))
    for (const scope of fields(body, resource.start, resource.end, 2))
      spans += [...fields(body, scope.start, scope.end, 2)].length;
  return spans;
}

/** The length-delimited fields numbered `wanted` between `start` and `end`; others are skipped. */
function* fields(buf: Buffer, start: number, end: number, wanted: number): Generator<{ start: number; end: number }> {
  let at = start;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= end) throw new Error('truncated protobuf');
      const byte = buf[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < end) {
    const key = varint();
    const wireType = key & 7;
    const field = Math.floor(key / 8);
    if (wireType === 0) varint();
    else if (wireType === 1) at += 8;
    else if (wireType === 5) at += 4;
    else if (wireType === 2) {
      const length = varint();
      if (at + length > end) throw new Error('truncated protobuf');
      if (field === wanted) yield { start: at, end: at + length };
      at += length;
    } else throw new Error(`unexpected protobuf wire type ${wireType}`);
  }
}
