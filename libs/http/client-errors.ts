import type { ConnectionError, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { problemType, type ProblemDetails } from '#libs/problems';
import { PROBLEM_CONTENT_TYPE, problemFor, STATUS_SLUGS } from './problem.filter';
import { LINGER_MS } from './lingering-close';
import { API_SECURITY_HEADERS } from './security-headers';

/** The largest request head (request line and headers) Node's parser accepts: its default. */
export const MAX_HEADER_BYTES = 16 * 1024;

export interface ClientErrorProblem {
  readonly status: number;
  readonly slug: string;
  readonly detail: string;
}

/** The request line takes half the limit or more; Node shows only the last chunk, so a URL sent in pieces gets 431. */
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

/** Writes a problem to the socket and half-closes it, lingering `LINGER_MS` (see there). */
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
 * Answers Node's parser errors (before any request exists) as problem+json with `Connection: close`.
 * Further refusals on a lingering socket are ignored; nothing is written once a response has started.
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

/** The router's refusals before any hook (400 `malformed-url`, 414 `uri-too-long`), which Nest never sees. */
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

/** Node's own 417 for an unmet `Expect` has an empty body; this one is problem+json. */
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

/** Node closes a CONNECT silently; this answers 405 with the empty `Allow` of RFC 9110, 10.2.1. */
export function installConnectHandler(server: Server): void {
  server.on('connect', (_request: IncomingMessage, socket: Socket) => {
    answerOnSocket(
      socket,
      { status: 405, slug: 'method-not-allowed', detail: 'this server is not a proxy: CONNECT is not supported' },
      { Allow: '' },
    );
  });
}
