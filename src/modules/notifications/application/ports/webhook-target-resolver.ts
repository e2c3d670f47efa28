import type { WebhookUrl } from '../../domain/webhook-target';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type ResolvedTarget =
  | { readonly ok: true; readonly addresses: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly error: string };

/**
 * Applies the SSRF rule to every address a webhook host resolves to now. The addresses
 * returned are the ones checked: the transport connects to them and nothing else, so DNS
 * cannot change the answer between the check and the connection (rebinding).
 */
export abstract class WebhookTargetResolver {
  abstract resolve(url: WebhookUrl): Promise<ResolvedTarget>;
}
