import type { EntityManager } from 'typeorm';
import { queryPrepared } from '#libs/sql';
import type { PaymentState } from '../domain/payment';

interface PaymentRow {
  id: string;
  order_id: string;
  customer_id: string;
  amount: string;
  currency: string;
  payment_method: string;
  provider: string;
  status: PaymentState['status'];
  provider_charge_id: string | null;
  failure_reason: string | null;
  refund_reason: PaymentState['refundReason'];
  order_cancelled: boolean;
  charge_attempts: number;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, order_id, customer_id, amount, currency, payment_method, provider, status, provider_charge_id,
  failure_reason, refund_reason, order_cancelled, charge_attempts, version, created_at, updated_at`;

function paymentState(row: PaymentRow): PaymentState {
  return {
    id: row.id,
    orderId: row.order_id,
    customerId: row.customer_id,
    amount: { amount: Number(row.amount), currency: row.currency },
    paymentMethod: row.payment_method,
    provider: row.provider,
    status: row.status,
    providerChargeId: row.provider_charge_id,
    failureReason: row.failure_reason,
    refundReason: row.refund_reason,
    orderCancelled: row.order_cancelled,
    chargeAttempts: row.charge_attempts,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type PaymentKey = { readonly id: string } | { readonly orderId: string };

function where(key: PaymentKey): [string, string] {
  return 'id' in key ? ['id = $1', key.id] : ['order_id = $1', key.orderId];
}

/** The payment, locked (FOR UPDATE) until the caller's transaction ends. */
export async function lockPayment(manager: EntityManager, key: PaymentKey): Promise<PaymentState | undefined> {
  const [condition, value] = where(key);
  const [row] = await queryPrepared<PaymentRow>(
    manager,
    `SELECT ${COLUMNS} FROM payments.payments WHERE ${condition} FOR UPDATE`,
    [value],
  );
  return row ? paymentState(row) : undefined;
}

/** The payment as a read (a replica or the primary). */
export async function findPayment(
  query: (sql: string, params: unknown[]) => Promise<unknown>,
  key: PaymentKey,
): Promise<PaymentState | undefined> {
  const [condition, value] = where(key);
  const rows = (await query(`SELECT ${COLUMNS} FROM payments.payments WHERE ${condition}`, [value])) as PaymentRow[];
  return rows[0] ? paymentState(rows[0]) : undefined;
}

/**
 * Creates the orders' payments in one statement; returns the ids of those created (an order
 * that has a payment already, from a redelivered event, keeps it).
 */
export async function insertPayments(manager: EntityManager, payments: readonly PaymentState[]): Promise<Set<string>> {
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

export async function savePayment(manager: EntityManager, payment: PaymentState): Promise<void> {
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

/** A payment waiting for one of its jobs, as the sweeper finds it. */
export interface WaitingPayment {
  readonly id: string;
  /** `processing`: its charge; `refund_pending`: its refund. */
  readonly status: 'processing' | 'refund_pending';
}

/**
 * Payments whose charge (`processing`) or refund (`refund_pending`) has shown no change for
 * `deadlineSeconds` (every charge attempt bumps `updated_at`), oldest first, read without a
 * lock (index `payments_awaiting_job`). A payment waiting for 3-D Secure (`requires_action`)
 * waits for the customer, not for a job, and is not among them.
 */
export async function paymentsPastDeadline(
  manager: EntityManager,
  deadlineSeconds: number,
  limit: number,
): Promise<WaitingPayment[]> {
  return queryPrepared<WaitingPayment>(
    manager,
    `SELECT id, status FROM payments.payments
      WHERE status IN ('processing', 'refund_pending') AND updated_at <= now() - make_interval(secs => $1)
      ORDER BY updated_at LIMIT $2`,
    [deadlineSeconds, limit],
  );
}

/**
 * Verified provider webhooks recorded more than `deadlineSeconds` ago and still not applied,
 * oldest first (index `provider_events_unapplied`).
 */
export async function providerEventsPastDeadline(
  manager: EntityManager,
  deadlineSeconds: number,
  limit: number,
): Promise<{ provider: string; eventId: string }[]> {
  return queryPrepared<{ provider: string; eventId: string }>(
    manager,
    `SELECT provider, event_id AS "eventId" FROM payments.provider_events
      WHERE processed_at IS NULL AND received_at <= now() - make_interval(secs => $1)
      ORDER BY received_at LIMIT $2`,
    [deadlineSeconds, limit],
  );
}
