import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { ReadDataSource } from '#libs/database';
import { queryPrepared } from '#libs/sql';
import type { PaymentState } from '../domain/payment';
import { PaymentStore, type PaymentKey, type WaitingPayment } from '../application/ports/payment-store';

const COLUMNS = `id, order_id, customer_id, amount, currency, payment_method, provider, status, provider_charge_id,
  failure_reason, refund_reason, order_cancelled, charge_attempts, version, created_at, updated_at`;

/** The columns under `PaymentState`'s names, its amount in two. */
const SELECTED = `id, order_id AS "orderId", customer_id AS "customerId", amount, currency,
  payment_method AS "paymentMethod", provider, status, provider_charge_id AS "providerChargeId",
  failure_reason AS "failureReason", refund_reason AS "refundReason", order_cancelled AS "orderCancelled",
  charge_attempts AS "chargeAttempts", version, created_at AS "createdAt", updated_at AS "updatedAt"`;

type PaymentRow = Omit<PaymentState, 'amount'> & { amount: string; currency: string };

function paymentState({ amount, currency, ...row }: PaymentRow): PaymentState {
  return { ...row, amount: { amount: Number(amount), currency } };
}

function where(key: PaymentKey): [string, string] {
  return 'id' in key ? ['id = $1', key.id] : ['order_id = $1', key.orderId];
}

@Injectable()
export class PostgresPaymentStore implements PaymentStore {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reads: ReadDataSource,
  ) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  lock(manager: EntityManager, key: PaymentKey): Promise<PaymentState | undefined> {
    return this.select(manager, key, ' FOR UPDATE');
  }

  async find(key: PaymentKey, atLeastLsn?: string): Promise<PaymentState | undefined> {
    return (await this.reads.query((dataSource) => this.select(dataSource, key), atLeastLsn)).value;
  }

  findOnPrimary(key: PaymentKey): Promise<PaymentState | undefined> {
    return this.select(this.dataSource, key);
  }

  async insertMany(manager: EntityManager, payments: readonly PaymentState[]): Promise<ReadonlySet<string>> {
    if (payments.length === 0) return new Set();
    const column = <T>(pick: (payment: PaymentState) => T): T[] => payments.map(pick);
    const rows = await queryPrepared<{ id: string }>(
      manager,
      `INSERT INTO payments.payments (${COLUMNS})
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::bigint[], $5::text[], $6::text[], $7::text[],
                            $8::text[], $9::text[], $10::text[], $11::text[], $12::boolean[], $13::int[], $14::int[],
                            $15::timestamptz[], $16::timestamptz[])
       ON CONFLICT (order_id) DO NOTHING RETURNING id`,
      [
        column((p) => p.id),
        column((p) => p.orderId),
        column((p) => p.customerId),
        column((p) => p.amount.amount),
        column((p) => p.amount.currency),
        column((p) => p.paymentMethod),
        column((p) => p.provider),
        column((p) => p.status),
        column((p) => p.providerChargeId),
        column((p) => p.failureReason),
        column((p) => p.refundReason),
        column((p) => p.orderCancelled),
        column((p) => p.chargeAttempts),
        column((p) => p.version),
        column((p) => p.createdAt),
        column((p) => p.updatedAt),
      ],
    );
    return new Set(rows.map((row) => row.id));
  }

  async save(manager: EntityManager, payment: PaymentState): Promise<void> {
    await queryPrepared(
      manager,
      `UPDATE payments.payments SET status = $2, provider_charge_id = $3, failure_reason = $4, refund_reason = $5,
              order_cancelled = $6, charge_attempts = $7, version = $8, updated_at = $9
        WHERE id = $1`,
      [
        payment.id,
        payment.status,
        payment.providerChargeId,
        payment.failureReason,
        payment.refundReason,
        payment.orderCancelled,
        payment.chargeAttempts,
        payment.version,
        payment.updatedAt,
      ],
    );
  }

  /** Index `payments_awaiting_job`; `requires_action` waits for the customer, not for a job. */
  pastDeadline(deadlineSeconds: number, limit: number): Promise<WaitingPayment[]> {
    return queryPrepared<WaitingPayment>(
      this.dataSource,
      `SELECT id, status FROM payments.payments
        WHERE status IN ('processing', 'refund_pending') AND updated_at <= now() - make_interval(secs => $1)
        ORDER BY updated_at LIMIT $2`,
      [deadlineSeconds, limit],
    );
  }

  private async select(on: DataSource | EntityManager, key: PaymentKey, lock = ''): Promise<PaymentState | undefined> {
    const [condition, value] = where(key);
    const [row] = await queryPrepared<PaymentRow>(
      on,
      `SELECT ${SELECTED} FROM payments.payments WHERE ${condition}${lock}`,
      [value],
    );
    return row ? paymentState(row) : undefined;
  }
}
