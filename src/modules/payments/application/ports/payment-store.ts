import type { EntityManager } from 'typeorm';
import type { PaymentState } from '../../domain/payment';

export type PaymentKey = { readonly id: string } | { readonly orderId: string };

/** A payment waiting for one of its jobs: `processing` for its charge, `refund_pending` for its refund. */
export interface WaitingPayment {
  readonly id: string;
  readonly status: 'processing' | 'refund_pending';
}

/** The payments table, and the transactions the module's writes run in. */
export abstract class PaymentStore {
  /** Runs `work` in one transaction on the primary. */
  abstract transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
  /** The payment, locked until the caller's transaction ends. */
  abstract lock(manager: EntityManager, key: PaymentKey): Promise<PaymentState | undefined>;
  /** The payment as a read: on a replica that has reached `atLeastLsn`, else on the primary. */
  abstract find(key: PaymentKey, atLeastLsn?: string): Promise<PaymentState | undefined>;
  /** The payment as the primary has it now. */
  abstract findOnPrimary(key: PaymentKey): Promise<PaymentState | undefined>;
  /** Creates the payments; answers the ids created (an order that has one already keeps it). */
  abstract insertMany(manager: EntityManager, payments: readonly PaymentState[]): Promise<ReadonlySet<string>>;
  abstract save(manager: EntityManager, payment: PaymentState): Promise<void>;
  /** Payments waiting for a job unchanged for `deadlineSeconds`, oldest first, unlocked. */
  abstract pastDeadline(deadlineSeconds: number, limit: number): Promise<WaitingPayment[]>;
}
