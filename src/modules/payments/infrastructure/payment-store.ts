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
    `SELECT ${COLUMNS} FROM payments WHERE ${condition} FOR UPDATE`,
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
  const rows = (await query(`SELECT ${COLUMNS} FROM payments WHERE ${condition}`, [value])) as PaymentRow[];
  return rows[0] ? paymentState(rows[0]) : undefined;
}

/** Creates the order's payment; false when the order has one already (a redelivered event). */
export async function insertPayment(manager: EntityManager, payment: PaymentState): Promise<boolean> {
  const rows = await queryPrepared(
    manager,
    `INSERT INTO payments (${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
     ON CONFLICT (order_id) DO NOTHING RETURNING id`,
    [
      payment.id,
      payment.orderId,
      payment.customerId,
      payment.amount.amount,
      payment.amount.currency,
      payment.paymentMethod,
      payment.provider,
      payment.status,
      payment.providerChargeId,
      payment.failureReason,
      payment.refundReason,
      payment.orderCancelled,
      payment.chargeAttempts,
      payment.version,
      payment.createdAt,
      payment.updatedAt,
    ],
  );
  return rows.length === 1;
}

export async function savePayment(manager: EntityManager, payment: PaymentState): Promise<void> {
  await queryPrepared(
    manager,
    `UPDATE payments SET status = $2, provider_charge_id = $3, failure_reason = $4, refund_reason = $5,
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
