import type { ResolvedAddress } from './webhook-target-resolver';

export interface WebhookPost {
  readonly url: string;
  /** The checked addresses: the only ones the request may connect to. */
  readonly addresses: readonly ResolvedAddress[];
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type PostOutcome =
  | { readonly ok: true; readonly statusCode: number }
  | { readonly ok: false; readonly statusCode: number | null; readonly error: string };

/** POSTs one webhook attempt; a 2xx answer complete in time is success, anything else a failure. */
export abstract class WebhookTransport {
  abstract post(post: WebhookPost): Promise<PostOutcome>;
}
