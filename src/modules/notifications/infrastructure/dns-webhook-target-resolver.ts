import { Inject, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { SETTINGS } from '#libs/config';
import type { NotificationsSettings } from '../notifications.settings';
import type {
  ResolvedAddress,
  ResolvedTarget,
  WebhookTargetResolver,
} from '../application/ports/webhook-target-resolver';
import { describeRefusal, judgeTarget, type WebhookUrl } from '../domain/webhook-target';

/** Every address the OS resolver returns for the host, as it returns them. */
@Injectable()
export class DnsWebhookTargetResolver implements WebhookTargetResolver {
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
