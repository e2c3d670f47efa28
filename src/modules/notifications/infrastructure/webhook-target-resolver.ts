import { Inject, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../notifications.settings';
import { describeRefusal, judgeTarget, type WebhookUrl } from '../domain/webhook-target';

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

export type ResolvedTarget =
  | { readonly ok: true; readonly addresses: readonly ResolvedAddress[] }
  | { readonly ok: false; readonly error: string };

/**
 * Resolves a webhook host (every address, as the OS resolver returns them) and applies the
 * SSRF rule to all of them. The addresses returned are the ones that were checked: the
 * transport connects to them and nothing else, so DNS cannot change the answer between
 * the check and the connection (rebinding).
 */
@Injectable()
export class WebhookTargetResolver {
  constructor(@Inject(SETTINGS) private readonly settings: NotificationsSettings) {}

  async resolve(url: WebhookUrl): Promise<ResolvedTarget> {
    let addresses: ResolvedAddress[];
    const literal = isIP(url.hostname);
    if (literal) {
      addresses = [{ address: url.hostname, family: literal === 6 ? 6 : 4 }];
    } else {
      try {
        const found = await lookup(url.hostname, { all: true, verbatim: true });
        addresses = found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
      } catch (error) {
        return {
          ok: false,
          error: `${url.hostname} does not resolve: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        };
      }
    }
    if (addresses.length === 0) return { ok: false, error: `${url.hostname} resolves to no address` };
    const verdict = judgeTarget(
      url,
      addresses.map((a) => a.address),
      { allowPrivate: this.settings.webhookAllowPrivateTargets, allowedTargets: this.settings.webhookAllowedTargets },
    );
    return verdict.allowed ? { ok: true, addresses } : { ok: false, error: describeRefusal(url, verdict) };
  }
}
