import type { PaymentState, PaymentStatus } from '../domain/payment';

/** A payment as the API shows it to its customer or an admin. */
export interface PaymentView {
  readonly id: string;
  readonly orderId: string;
  readonly customerId: string;
  readonly status: PaymentStatus;
  readonly amount: { readonly amount: number; readonly currency: string };
  readonly paymentMethod: string;
  readonly provider: string;
  readonly providerChargeId: string | null;
  readonly failureReason?: string;
  readonly refundReason?: string;
  readonly chargeAttempts: number;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export function paymentView(state: PaymentState): PaymentView {
  return {
    id: state.id,
    orderId: state.orderId,
    customerId: state.customerId,
    status: state.status,
    amount: { ...state.amount },
    paymentMethod: state.paymentMethod,
    provider: state.provider,
    providerChargeId: state.providerChargeId,
    ...(state.failureReason ? { failureReason: state.failureReason } : {}),
    ...(state.refundReason ? { refundReason: state.refundReason } : {}),
    chargeAttempts: state.chargeAttempts,
    version: state.version,
    createdAt: state.createdAt.toISOString(),
    updatedAt: state.updatedAt.toISOString(),
  };
}
