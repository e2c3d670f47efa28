import { forbiddenAddressReason, type ForbiddenReason } from './target-address';
import { NotificationsError } from './notification-errors';

/** A webhook URL as accepted: http(s), no credentials, with the `host:port` the allow list is keyed by. */
export class WebhookUrl {
  private constructor(
    readonly href: string,
    /** The host to resolve: a DNS name, or an IP literal (IPv6 without brackets). */
    readonly hostname: string,
    /** `host:port` with the scheme's default port filled in, lower-case; IPv6 in brackets. */
    readonly hostPort: string,
  ) {}

  static parse(raw: string): WebhookUrl {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new NotificationsError('invalid-webhook-url', 'url must be an absolute http or https URL');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new NotificationsError('invalid-webhook-url', 'url must use http or https');
    }
    if (url.username || url.password) {
      throw new NotificationsError('invalid-webhook-url', 'url must not carry credentials');
    }
    if (!url.hostname) throw new NotificationsError('invalid-webhook-url', 'url must name a host');
    const port = url.port || (url.protocol === 'https:' ? '443' : '80');
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return new WebhookUrl(url.href, hostname, `${url.hostname.toLowerCase()}:${port}`);
  }
}

export interface TargetPolicy {
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: every address is allowed. */
  readonly allowPrivate: boolean;
  /** WEBHOOK_ALLOWED_TARGETS: exact `host:port` values allowed whatever they resolve to. */
  readonly allowedTargets: readonly string[];
}

export type TargetVerdict =
  { readonly allowed: true } | { readonly allowed: false; readonly address: string; readonly reason: ForbiddenReason };

/**
 * The SSRF rule: a target is refused when ANY address its host resolves to is internal
 * (an attacker controlling DNS can return a public and a private address and hope the
 * client picks the second). The operator's escape hatches are a global switch and an
 * exact `host:port` list, so allowing one internal receiver opens nothing else.
 */
export function judgeTarget(url: WebhookUrl, addresses: readonly string[], policy: TargetPolicy): TargetVerdict {
  if (policy.allowPrivate || policy.allowedTargets.includes(url.hostPort)) return { allowed: true };
  for (const address of addresses) {
    const reason = forbiddenAddressReason(address);
    if (reason) return { allowed: false, address, reason };
  }
  return { allowed: true };
}

export function describeRefusal(url: WebhookUrl, verdict: Extract<TargetVerdict, { allowed: false }>): string {
  const where = verdict.address === url.hostname ? `${url.hostPort} is` : `${url.hostPort} resolves to`;
  return `${where} ${verdict.address} (${verdict.reason}), an address webhooks may not call`;
}
