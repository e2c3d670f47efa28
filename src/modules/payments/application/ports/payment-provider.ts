import type { Money, ProviderReport } from '../../domain/payment';

/** A charge as the provider reports it. `requires_action`: the customer must authenticate first (3-D Secure). */
export type ChargeOutcome =
  | { readonly status: 'succeeded'; readonly chargeId: string }
  | { readonly status: 'declined'; readonly chargeId: string; readonly declineCode: string }
  | { readonly status: 'requires_action'; readonly chargeId: string };

export interface ChargeRequest {
  /** The same key on every retry of one payment attempt: the provider charges once per key. */
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly paymentMethod: string;
  /** Tessera's payment id, stored by the provider and echoed in its webhooks. */
  readonly reference: string;
}

export interface RefundRequest {
  readonly idempotencyKey: string;
  readonly chargeId: string;
  readonly amount: Money;
}

/** A webhook the provider sent, once its signature checked out. */
export interface ProviderEvent {
  readonly id: string;
  readonly type: ProviderReport;
  readonly chargeId: string;
  /** Tessera's payment id (the charge's reference). */
  readonly reference: string;
  readonly declineCode?: string;
}

/** Unreachable, timed out or transient: the same request (same idempotency key) may be sent again. */
export class ProviderUnavailableError extends Error {}

/** Every provider adapter implements it; as a DI token, the provider new payments are charged through. */
export abstract class PaymentProvider {
  abstract readonly name: string;
  abstract charge(request: ChargeRequest, timeoutMs: number): Promise<ChargeOutcome>;
  /** What became of a charge sent with this key, if the provider ever received it. */
  abstract findCharge(idempotencyKey: string, timeoutMs: number): Promise<ChargeOutcome | undefined>;
  abstract refund(request: RefundRequest, timeoutMs: number): Promise<void>;
  /** Verifies signature and timestamp over the raw body; throws `webhook-signature-invalid` or `-payload-invalid`. */
  abstract parseWebhook(
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
    now: Date,
  ): ProviderEvent;
}

export const PAYMENT_PROVIDERS = Symbol('PAYMENT_PROVIDERS');

/** The adapters this deployment talks to, by the name in the webhook route. */
export type PaymentProviders = ReadonlyMap<string, PaymentProvider>;
