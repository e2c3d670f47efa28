import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How long a connection accepted before the listener closed may take to send its request. */
const SILENT_CONNECTION_GRACE_MS = 1000;

/** The response a socket is writing (Node's own `closeIdleConnections` reads the same field). */
type HttpSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Stops an HTTP server without dropping a request (docs/decisions/0003-drain-without-dropping-requests.md).
 * Node's `server.close()` reaps idle connections only once, so a busy one would hold it until keep-alive times out.
 */
export class HttpDrain {
  private readonly sockets = new Set<HttpSocket>();
  private draining = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: HttpSocket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
  }

  /** From now on every response closes its connection after it. */
  begin(): void {
    if (this.draining) return;
    this.draining = true;
    // Before the framework's listener, so the header is there whatever answers the request.
    this.server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) =>
      closeAfter(response),
    );
    for (const socket of this.sockets) {
      const response = socket._httpMessage;
      if (response) closeAfter(response);
    }
  }

  /** Resolves once every connection has closed, or after `timeoutMs` with the busy ones destroyed. */
  async close(timeoutMs: number): Promise<HttpDrainResult> {
    this.begin();
    const sockets = [...this.sockets];
    // Closed while still accepting, so a load balancer's new connection is served or refused and retried.
    // One that has carried no request yet is not idle: its request may be on its way.
    const idle = sockets.filter((socket) => socket.bytesRead > 0 && !socket._httpMessage);
    for (const socket of idle) socket.destroy();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // A silent connection gets a moment to send its request; then it is closed.
    const silent = setTimeout(
      () => {
        for (const socket of this.sockets) if (socket.bytesRead === 0) socket.destroy();
      },
      Math.min(SILENT_CONNECTION_GRACE_MS, timeoutMs),
    );
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      closed.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
    clearTimeout(timer);
    clearTimeout(silent);
    const cut = this.sockets.size;
    if (!inTime) {
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    return { closedInTime: inTime, idle: idle.length, busy: sockets.length - idle.length, cut: inTime ? 0 : cut };
  }
}

/** What `HttpDrain.close` found and did. */
export interface HttpDrainResult {
  /** Every connection closed after its last response within the timeout. */
  readonly closedInTime: boolean;
  /** Idle keep-alive connections closed at once. */
  readonly idle: number;
  /** Connections with a request in progress (or on its way) when the listener closed. */
  readonly busy: number;
  /** Connections destroyed at the timeout, their requests unanswered. */
  readonly cut: number;
}

function closeAfter(response: ServerResponse): void {
  if (!response.headersSent) {
    response.setHeader('connection', 'close');
    return;
  }
  // Already on its way as keep-alive: end the connection once the response is complete.
  const socket = response.socket as HttpSocket | null;
  if (!socket) return;
  // Node has detached the response by then; a pipelined request's response may have the socket.
  response.once('finish', () => {
    if (!socket._httpMessage) socket.destroySoon();
  });
}
