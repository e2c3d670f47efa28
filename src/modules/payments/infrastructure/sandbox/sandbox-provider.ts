import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { SETTINGS } from '#libs/config';
import type { PaymentsSettings } from '../../payments.settings';
import { queryPrepared } from '#libs/sql';
import {
  ProviderUnavailableError,
  type ChargeOutcome,
  type ChargeRequest,
  type PaymentProvider,
  type ProviderEvent,
  type RefundRequest,
} from '../../application/ports/payment-provider';
import { PaymentsError } from '../../domain/payment-errors';
import { verifyWebhook } from '../../domain/webhook-signature';
import { sandboxMethod } from './sandbox-payment-methods';
import { SANDBOX_SIGNATURE_HEADER, sandboxEventSchema } from './sandbox-event';
import { SandboxWebhooks } from './sandbox-webhooks';

export interface SandboxCharge {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly reference: string;
  readonly paymentMethod: string;
  readonly amount: number;
  readonly currency: string;
  readonly status: 'succeeded' | 'declined' | 'requires_action' | 'refunded';
  readonly declineCode: string | null;
  readonly createdAt: Date;
}

type ChargeRow = Omit<SandboxCharge, 'amount'> & { amount: string };

/** A counted call, and the charge it made (every column null when it made none). */
type CountedCall = Omit<ChargeRow, 'id'> & { readonly id: string | null; readonly calls: number };

const CHARGE_COLUMNS = `id, idempotency_key AS "idempotencyKey", reference, payment_method AS "paymentMethod", amount,
  currency, status, decline_code AS "declineCode", created_at AS "createdAt"`;

function sandboxCharge(row: ChargeRow): SandboxCharge {
  return { ...row, amount: Number(row.amount) };
}

function outcomeOf(charge: SandboxCharge): ChargeOutcome {
  switch (charge.status) {
    case 'declined':
      return { status: 'declined', chargeId: charge.id, declineCode: charge.declineCode ?? 'card_declined' };
    case 'requires_action':
      return { status: 'requires_action', chargeId: charge.id };
    default:
      return { status: 'succeeded', chargeId: charge.id };
  }
}

/** A provider's test mode on its own `sandbox_*` tables: callers see latency, timeouts and 503s, never its tables. */
@Injectable()
export class SandboxProvider implements PaymentProvider {
  readonly name = 'sandbox';

  constructor(
    private readonly dataSource: DataSource,
    private readonly webhooks: SandboxWebhooks,
    @Inject(SETTINGS) private readonly settings: PaymentsSettings,
  ) {}

  charge(request: ChargeRequest, timeoutMs: number): Promise<ChargeOutcome> {
    return this.withinTimeout(this.createCharge(request), timeoutMs);
  }

  findCharge(idempotencyKey: string, timeoutMs: number): Promise<ChargeOutcome | undefined> {
    return this.withinTimeout(
      this.chargeWhere('idempotency_key', idempotencyKey).then((charge) => (charge ? outcomeOf(charge) : undefined)),
      timeoutMs,
    );
  }

  refund(request: RefundRequest, timeoutMs: number): Promise<void> {
    return this.withinTimeout(this.createRefund(request), timeoutMs);
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, now: Date): ProviderEvent {
    const header = headers[SANDBOX_SIGNATURE_HEADER];
    const verdict = verifyWebhook(
      this.settings.paymentSandboxWebhookSecret,
      rawBody,
      typeof header === 'string' ? header : undefined,
      Math.floor(now.getTime() / 1000),
    );
    if (!verdict.valid) {
      throw new PaymentsError(
        'webhook-signature-invalid',
        `the ${SANDBOX_SIGNATURE_HEADER} header is ${verdict.reason}`,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new PaymentsError('webhook-payload-invalid', 'the webhook body is not JSON');
    }
    const parsed = sandboxEventSchema.safeParse(body);
    if (!parsed.success) throw new PaymentsError('webhook-payload-invalid', parsed.error.message);
    const { id, type, data } = parsed.data;
    return {
      id,
      type,
      chargeId: data.chargeId,
      reference: data.reference,
      ...(data.declineCode ? { declineCode: data.declineCode } : {}),
    };
  }

  /** The customer completed (or failed) 3-D Secure for a charge that waited for it. */
  async authenticate(chargeId: string, succeeded: boolean): Promise<SandboxCharge | undefined> {
    const [row] = await queryPrepared<ChargeRow>(
      this.dataSource,
      `UPDATE payments.sandbox_charges SET status = $2, decline_code = $3, updated_at = now()
        WHERE id = $1 AND status = 'requires_action' RETURNING ${CHARGE_COLUMNS}`,
      [chargeId, succeeded ? 'succeeded' : 'declined', succeeded ? null : 'authentication_failed'],
    );
    if (!row) return this.chargeById(chargeId);
    const charge = sandboxCharge(row);
    await this.webhooks.send(succeeded ? 'charge.succeeded' : 'charge.failed', {
      chargeId: charge.id,
      reference: charge.reference,
      ...(succeeded ? {} : { declineCode: 'authentication_failed' }),
    });
    return charge;
  }

  async chargesOf(reference: string): Promise<SandboxCharge[]> {
    const rows = await queryPrepared<ChargeRow>(
      this.dataSource,
      `SELECT ${CHARGE_COLUMNS} FROM payments.sandbox_charges WHERE reference = $1 ORDER BY created_at`,
      [reference],
    );
    return rows.map(sandboxCharge);
  }

  /** How many requests the sandbox received with one idempotency key (retries included). */
  async callsWith(idempotencyKey: string): Promise<number> {
    const [row] = await queryPrepared<{ calls: number }>(
      this.dataSource,
      `SELECT calls FROM payments.sandbox_calls WHERE idempotency_key = $1`,
      [idempotencyKey],
    );
    return row?.calls ?? 0;
  }

  private async createCharge(request: ChargeRequest): Promise<ChargeOutcome> {
    await this.latency();
    const { unavailableCalls, answer } = sandboxMethod(request.paymentMethod);
    const status = answer.kind === 'decline' ? 'declined' : answer.status;
    const declineCode = answer.kind === 'decline' ? answer.declineCode : null;
    // Counts the call and makes the charge in one commit; a key seen before keeps its first charge.
    const [row] = (await queryPrepared<CountedCall>(
      this.dataSource,
      `WITH call AS (
         INSERT INTO payments.sandbox_calls (idempotency_key, calls) VALUES ($2, 1)
         ON CONFLICT (idempotency_key) DO UPDATE SET calls = sandbox_calls.calls + 1 RETURNING calls
       ), charge AS (
         INSERT INTO payments.sandbox_charges (id, idempotency_key, reference, payment_method, amount, currency, status, decline_code)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM call WHERE call.calls > $9
         ON CONFLICT (idempotency_key) DO NOTHING RETURNING ${CHARGE_COLUMNS}
       )
       SELECT call.calls, charge.* FROM call LEFT JOIN charge ON true`,
      [
        `ch_${randomBytes(12).toString('base64url')}`,
        request.idempotencyKey,
        request.reference,
        request.paymentMethod,
        request.amount.amount,
        request.amount.currency,
        status,
        declineCode,
        unavailableCalls,
      ],
    )) as [CountedCall];
    if (row.calls <= unavailableCalls) {
      throw new ProviderUnavailableError(`sandbox answered 503 (call ${row.calls} with this key)`);
    }
    const { calls: _, id, ...columns } = row;
    const made = id === null ? undefined : sandboxCharge({ ...columns, id });
    const created = made ?? (await this.chargeWhere('idempotency_key', request.idempotencyKey));
    if (!created) throw new ProviderUnavailableError('sandbox lost a charge it had just made');
    // pm_card_slow: charged at once, answered late; a client that gives up must retry with the same key.
    if (made && answer.kind === 'charge' && answer.answerAfterMs > 0) await sleep(answer.answerAfterMs);
    if (made && created.status !== 'requires_action') {
      await this.webhooks.send(created.status === 'succeeded' ? 'charge.succeeded' : 'charge.failed', {
        chargeId: created.id,
        reference: created.reference,
        ...(created.declineCode ? { declineCode: created.declineCode } : {}),
      });
    }
    return outcomeOf(created);
  }

  private async createRefund(request: RefundRequest): Promise<void> {
    await this.latency();
    const charge = await this.chargeById(request.chargeId);
    if (!charge) throw new Error(`sandbox: no charge ${request.chargeId}`);
    const rows = await queryPrepared(
      this.dataSource,
      `INSERT INTO payments.sandbox_refunds (idempotency_key, charge_id, amount) VALUES ($1, $2, $3)
       ON CONFLICT (idempotency_key) DO NOTHING RETURNING charge_id`,
      [request.idempotencyKey, request.chargeId, request.amount.amount],
    );
    if (rows.length === 0) return;
    await queryPrepared(
      this.dataSource,
      `UPDATE payments.sandbox_charges SET status = 'refunded', updated_at = now() WHERE id = $1`,
      [request.chargeId],
    );
    await this.webhooks.send('charge.refunded', { chargeId: charge.id, reference: charge.reference });
  }

  /** A charge by the sandbox's id (`ch_…`), as its pages show it. */
  async chargeById(id: string): Promise<SandboxCharge | undefined> {
    return this.chargeWhere('id', id);
  }

  private async chargeWhere(column: 'id' | 'idempotency_key', value: string): Promise<SandboxCharge | undefined> {
    const [row] = await queryPrepared<ChargeRow>(
      this.dataSource,
      `SELECT ${CHARGE_COLUMNS} FROM payments.sandbox_charges WHERE ${column} = $1`,
      [value],
    );
    return row ? sandboxCharge(row) : undefined;
  }

  private async latency(): Promise<void> {
    if (this.settings.paymentSandboxLatencyMs > 0) await sleep(this.settings.paymentSandboxLatencyMs);
  }

  private async withinTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new ProviderUnavailableError(`sandbox did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
