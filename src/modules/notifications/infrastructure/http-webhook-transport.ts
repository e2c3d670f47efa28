import { Inject, Injectable } from '@nestjs/common';
import { request as httpRequest, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupAddress, LookupOneOptions } from 'node:dns';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../notifications.settings';
import type { PostOutcome, WebhookPost, WebhookTransport } from '../application/ports/webhook-transport';

/** How much of a receiver's answer is read: it is not stored, only drained. */
const MAX_RESPONSE_BYTES = 64 * 1024;

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Connects only to the checked addresses; redirects are not followed. */
@Injectable()
export class HttpWebhookTransport implements WebhookTransport {
  constructor(@Inject(SETTINGS) private readonly settings: NotificationsSettings) {}

  post(post: WebhookPost): Promise<PostOutcome> {
    const timeoutMs = this.settings.webhookTimeoutMs;
    const url = new URL(post.url);
    const pinned = post.addresses;
    // Node asks this instead of DNS (the host header and TLS name stay the URL's host).
    const lookup = (_host: string, options: LookupOneOptions & { all?: boolean }, callback: LookupCallback) => {
      if (options.all)
        callback(
          null,
          pinned.map((a) => ({ address: a.address, family: a.family })),
        );
      else callback(null, pinned[0]?.address ?? '', pinned[0]?.family ?? 4);
    };
    const abort = new AbortController();
    const options: RequestOptions = {
      method: 'POST',
      headers: { ...post.headers, 'content-length': String(Buffer.byteLength(post.body)) },
      lookup: lookup as unknown as RequestOptions['lookup'],
      signal: abort.signal,
      agent: false,
    };
    return new Promise<PostOutcome>((resolve) => {
      const timer = setTimeout(() => abort.abort(), timeoutMs);
      const finish = (outcome: PostOutcome) => {
        clearTimeout(timer);
        resolve(outcome);
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, options, (response) => {
        const statusCode = response.statusCode ?? 0;
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES) response.destroy();
        });
        const done = () =>
          finish(
            statusCode >= 200 && statusCode < 300
              ? { ok: true, statusCode }
              : { ok: false, statusCode, error: `receiver answered HTTP ${statusCode}` },
          );
        response.once('end', done);
        response.once('close', done);
        response.once('error', done);
      });
      req.once('error', (error: NodeJS.ErrnoException) =>
        finish({
          ok: false,
          statusCode: null,
          error: abort.signal.aborted
            ? `no answer within ${timeoutMs} ms`
            : `request failed: ${error.code ?? error.message}`,
        }),
      );
      req.end(post.body);
    });
  }
}
