/** One request the tests sent and the response they received, as the API contract check reads it. */
export interface ApiExchange {
  readonly method: string;
  /** The path with its query, as sent. */
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body as received: text, or what the client already parsed from JSON. */
  readonly body: unknown;
}

let sink: ((exchange: ApiExchange) => void) | undefined;

/** Sends every exchange recorded from now on to `receive` (the e2e contract check installs it). */
export function recordApiExchanges(receive: (exchange: ApiExchange) => void): void {
  sink = receive;
}

export function recordApiExchange(exchange: ApiExchange): void {
  sink?.(exchange);
}

/** Records a fetch response (a clone is read, so the caller still reads its own). */
export async function recordFetchResponse(method: string, url: string, response: Response): Promise<void> {
  if (!sink) return;
  const text = await response.clone().text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => (headers[name] = value));
  const { pathname, search } = new URL(url);
  recordApiExchange({ method, url: `${pathname}${search}`, status: response.status, headers, body: text });
}
