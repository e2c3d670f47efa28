import { connect, type Socket } from 'node:net';

/** One response read off a raw socket: what a client that sent anything at all would get. */
export interface RawResponse {
  /** The status code, or undefined when the connection closed (or timed out) without an answer. */
  readonly status: number | undefined;
  readonly headers: Record<string, string>;
  readonly text: string;
  /** The body as JSON, when it is JSON. */
  readonly body: unknown;
  /** How the exchange ended: a full response, the server closing, a socket error, or the timeout. */
  readonly ending: 'response' | 'closed' | 'error' | 'timeout';
  readonly error?: string;
  readonly ms: number;
}

function parseHead(head: string): { status: number | undefined; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: status ? Number(status) : undefined, headers };
}

function jsonOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Sends bytes as they are (an HTTP client would refuse to send most malformed requests) and
 * reads the first response: complete once its Content-Length is in, or whatever came before
 * the server closed the connection. `send` may write more, later (a slow client).
 */
export function rawHttp(
  port: number,
  request: string | Buffer,
  options: { timeoutMs?: number; send?: (socket: Socket) => void } = {},
): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (ending: RawResponse['ending'], error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = received.toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      const { status, headers } = parseHead(split === -1 ? raw : raw.slice(0, split));
      const text = split === -1 ? '' : raw.slice(split + 4);
      resolve({ status, headers, text, body: jsonOf(text), ending, error, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish('timeout'), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const split = received.indexOf('\r\n\r\n');
      if (split === -1) return;
      const length = Number(parseHead(received.subarray(0, split).toString('latin1')).headers['content-length']);
      if (Number.isFinite(length) && received.length >= split + 4 + length) finish('response');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => finish(received.length > 0 ? 'closed' : 'error', error.code));
    socket.on('close', () => finish('closed'));
    socket.write(request, () => options.send?.(socket));
  });
}
