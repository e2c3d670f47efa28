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
      /** Set once the headers came; the answer counts only when its body has ended too. */
      let statusCode: number | undefined;
      /** Enough was read: the rest of a long answer is not waited for. */
      let cutShort = false;
      const answered = (status: number) =>
        finish(
          status >= 200 && status < 300
            ? { ok: true, statusCode: status }
            : { ok: false, statusCode: status, error: `receiver answered HTTP ${status}` },
        );
      const interrupted = (error?: NodeJS.ErrnoException) => {
        if (statusCode === undefined) {
          finish({
            ok: false,
            statusCode: null,
            error: abort.signal.aborted
              ? `no answer within ${timeoutMs} ms`
              : `request failed: ${error?.code ?? error?.message ?? 'connection closed'}`,
          });
        } else if (cutShort) answered(statusCode);
        else {
          // 2xx headers and then a stall or a reset: the receiver may not have taken the event.
          finish({
            ok: false,
            statusCode,
            error: abort.signal.aborted
              ? `answer not complete within ${timeoutMs} ms`
              : `answer interrupted: ${error?.code ?? error?.message ?? 'connection closed'}`,
          });
        }
      };
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, options, (response) => {
        const status = (statusCode = response.statusCode ?? 0);
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_RESPONSE_BYTES && !cutShort) {
            cutShort = true;
            response.destroy();
          }
        });
        response.once('end', () => answered(status));
        response.once('close', () => (response.complete ? answered(status) : interrupted()));
        response.once('error', interrupted);
      });
      req.once('error', interrupted);
      req.end(post.body);
    });
  }
}
