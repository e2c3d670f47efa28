/**
 * JSON with object keys sorted at every level: two values that are equal as JSON serialize
 * to the same text, whatever order their keys were written in. What an idempotency key
 * hashes (the request) and what it replays (the response: a `jsonb` column keeps values,
 * not key order, so the first answer is sent in this form too and a replay is byte-identical).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sorted(value)) ?? 'null';
}

function sorted(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return sorted((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a "__proto__" key stays an ordinary key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const key of Object.keys(value).sort()) out[key] = sorted((value as Record<string, unknown>)[key]);
  return out;
}
