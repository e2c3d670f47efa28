import type { IncomingMessage } from 'node:http';
import { finished } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';

/**
 * How long an answered socket keeps reading what the client still sends: closed at once, the
 * kernel's reset can beat the answer to the client (nginx's "lingering close", RFC 9112, 9.6).
 */
export const LINGER_MS = 2000;

/** Refusals of a body, sent before the body is read: too large, or of a type no route takes. */
const REFUSED_BODY = new Set([413, 415]);

/**
 * A body refused before it was read (413 on `Content-Length`, 415) is still on its way when the
 * answer is ready, and the answer closes the connection. Closed with the body unread, the
 * socket's reset could reach the client before the answer (EPIPE instead of a 413). So the
 * answer waits while the rest of the body is read and thrown away, for at most `lingerMs`.
 */
export function installRefusedBodyDrain(fastify: FastifyInstance, lingerMs: number): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!REFUSED_BODY.has(reply.statusCode) || request.raw.readableEnded) return done(null, payload);
    void discardBody(request.raw, lingerMs).then(() => done(null, payload));
  });
}

async function discardBody(request: IncomingMessage, lingerMs: number): Promise<void> {
  let linger: NodeJS.Timeout | undefined;
  request.resume();
  await Promise.race([
    finished(request).catch(() => undefined),
    new Promise((resolve) => (linger = setTimeout(resolve, lingerMs))),
  ]);
  clearTimeout(linger);
}
