import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { problemType, type ProblemDetails } from '#libs/problems';
import { PROBLEM_CONTENT_TYPE, problemFor, STATUS_SLUGS } from './problem.filter';
import { API_SECURITY_HEADERS } from './security-headers';

/**
 * How long a socket answered by `clientErrorHandler` is kept open for the rest of what the
 * client is sending. Closed at once, with unread bytes still arriving, the kernel answers
 * them with a reset, which can reach the client before it has read the answer: the client
 * sees no response at all (nginx's "lingering close" solves the same problem).
 */
export const LINGER_MS = 2000;

/** The largest request head (request line and headers) Node's parser accepts: its default. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface ClientErrorProblem {
  readonly status: number;
  readonly slug: string;
  readonly detail: string;
}

/**
 * Whether the URL is what made the head too large: the bytes the parser choked on begin with
 * the request line, and that line takes at least half the limit. Node reports only the chunk
 * it was reading, so a URL that arrived in small pieces is answered 431, which is true too.
 */
function requestLineTooLong(error: ConnectionError): boolean {
  const packet: unknown = error.rawPacket;
  if (!Buffer.isBuffer(packet) || !/^[A-Za-z]+ \S/.test(packet.subarray(0, 24).toString('latin1'))) return false;
  const newline = packet.indexOf(0x0a);
  return newline === -1 || newline >= MAX_HEADER_BYTES / 2;
}

/** The problem an error of Node's HTTP parser (or its request timeout) stands for. */
export function clientErrorProblem(error: ConnectionError, requestTimeoutMs: number): ClientErrorProblem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        slug: 'request-timeout',
        detail: `the request was not received in full within ${requestTimeoutMs} ms`,
      };
    case 'HPE_HEADER_OVERFLOW':
      return requestLineTooLong(error)
        ? {
            status: 414,
            slug: 'uri-too-long',
            detail: `the request line is longer than the ${MAX_HEADER_BYTES} bytes a request head may take`,
          }
        : {
            status: 431,
            slug: 'request-header-fields-too-large',
            detail: `the request line and headers take more than ${MAX_HEADER_BYTES} bytes`,
          };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { status: 413, slug: 'payload-too-large', detail: 'the chunk extensions of the body are too large' };
    case 'HPE_INVALID_METHOD':
      return { status: 400, slug: 'bad-request', detail: 'the request method is not one this server understands' };
    default:
      return {
        status: 400,
        slug: 'bad-request',
        detail: `the request is not valid HTTP/1.1${error.code ? ` (${error.code})` : ''}`,
      };
  }
}

function rawResponse(
  status: number,
  problem: ProblemDetails,
  requestId: string,
  extraHeaders: Record<string, string> = {},
): string {
  const body = JSON.stringify(problem);
  const headers: Record<string, string> = {
    ...API_SECURITY_HEADERS,
    ...extraHeaders,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': requestId,
    Date: new Date().toUTCString(),
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Writes a problem straight to the socket and half-closes it. The socket is not destroyed: it
 * keeps reading (and Node's parser keeps refusing what comes) until the client closes or
 * `LINGER_MS` passes, so that the answer reaches a client still sending, not a reset.
 */
function answerOnSocket(
  socket: Socket,
  { status, slug, detail }: ClientErrorProblem,
  extraHeaders?: Record<string, string>,
): string {
  const requestId = randomUUID();
  const problem = { type: problemType(slug), title: STATUS_CODES[status] ?? 'Error', status, detail, requestId };
  socket.end(rawResponse(status, problem, requestId, extraHeaders));
  const linger = setTimeout(() => socket.destroy(), LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
  return requestId;
}

/** The socket's response in progress, as Node's own client-error handling looks at it. */
function responseInProgress(socket: Socket): ServerResponse | undefined {
  return (socket as Socket & { _httpMessage?: ServerResponse })._httpMessage ?? undefined;
}

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP server reports before any request exists
 * (a malformed request, an unknown method, a request head over 16 KB, a request line alone
 * over it, a request that did not arrive within `requestTimeout`) is answered as
 * problem+json, with `Connection: close`, instead of Fastify's plain JSON.
 *
 * The socket lingers half-closed (`answerOnSocket`; the parser's further refusals are
 * reported here again and ignored): a 70 KB URL, whose sender was still sending when the
 * socket was destroyed, would otherwise get a reset instead of an answer. Nothing is written when a
 * response has started on the socket already.
 */
export function clientErrorHandler(
  requestTimeoutMs: number,
  onAnswer?: (event: { requestId: string; status: number; code: string }) => void,
): (error: ConnectionError, socket: Socket) => void {
  const handled = new WeakSet<Socket>();
  return (error, socket) => {
    if (handled.has(socket)) return;
    handled.add(socket);
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    if (!socket.writable || responseInProgress(socket)?.headersSent) {
      socket.destroy();
      return;
    }
    const problem = clientErrorProblem(error, requestTimeoutMs);
    const requestId = answerOnSocket(socket, problem);
    onAnswer?.({ requestId, status: problem.status, code: error.code });
  };
}

/**
 * Fastify's `frameworkErrors`: the router's own refusals, before any hook runs (a URL that
 * does not decode, `/v1/products/%`: 400 `malformed-url`; a path parameter over
 * `maxParamLength`: 414 `uri-too-long`), answered as problem+json with the API's security
 * headers. Fastify's default sends its own JSON through an error handler Nest never sees.
 */
export function frameworkErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { problem, headers } = problemFor(error, request);
  void reply
    .code(problem.status)
    .headers({
      ...API_SECURITY_HEADERS,
      ...headers,
      'x-request-id': request.id,
      'content-type': PROBLEM_CONTENT_TYPE,
    })
    .send(JSON.stringify(problem));
}

/**
 * An `Expect` header other than `100-continue`: Node answers 417 with an empty body unless
 * the server handles `checkExpectation`; this handler answers problem+json.
 */
export function installExpectationHandler(server: Server): void {
  server.on('checkExpectation', (request: IncomingMessage, response: ServerResponse) => {
    const status = 417;
    const problem: ProblemDetails = {
      type: problemType(STATUS_SLUGS[status] ?? 'expectation-failed'),
      title: STATUS_CODES[status] ?? 'Expectation Failed',
      status,
      detail: 'the only expectation this server meets is "100-continue"',
      instance: (request.url ?? '/').split('?')[0],
    };
    const body = JSON.stringify(problem);
    response.writeHead(status, {
      ...API_SECURITY_HEADERS,
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
    });
    response.end(body);
  });
}

/**
 * `CONNECT host:port`: this server is no proxy. Without a `connect` listener Node closes the
 * connection without a word; this answers 405 `method-not-allowed`, with the empty `Allow`
 * of a target that allows no method (RFC 9110, 10.2.1).
 */
export function installConnectHandler(server: Server): void {
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    answerOnSocket(
      socket,
      { status: 405, slug: 'method-not-allowed', detail: 'this server is not a proxy: CONNECT is not supported' },
      { Allow: '' },
    );
  });
}
