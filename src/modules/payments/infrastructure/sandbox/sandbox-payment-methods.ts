/**
 * The sandbox's test payment methods and what each does, as a real provider's test mode
 * documents its test cards. Any other method is declined with `unknown_payment_method`.
 */
export const SANDBOX_PAYMENT_METHODS = {
  pm_card_ok: 'succeeds at once',
  pm_card_declined: 'is declined (`card_declined`); never retried',
  pm_card_slow: 'succeeds, but the answer takes 3 s',
  pm_card_flaky: 'answers 503 to the first two calls with one idempotency key, then succeeds (charged once)',
  pm_card_3ds: 'waits for the customer to authenticate (`requires_action`); succeeds when confirmed, by webhook only',
} as const;

export type SandboxBehaviour =
  | { readonly kind: 'unavailable' }
  | { readonly kind: 'charge'; readonly status: 'succeeded' | 'requires_action'; readonly answerAfterMs: number }
  | { readonly kind: 'decline'; readonly declineCode: string };

export const SLOW_ANSWER_MS = 3000;

/** What the sandbox does with the `call`-th request (1-based) for one idempotency key. */
export function sandboxBehaviour(paymentMethod: string, call: number): SandboxBehaviour {
  switch (paymentMethod) {
    case 'pm_card_ok':
      return { kind: 'charge', status: 'succeeded', answerAfterMs: 0 };
    case 'pm_card_slow':
      return { kind: 'charge', status: 'succeeded', answerAfterMs: SLOW_ANSWER_MS };
    case 'pm_card_flaky':
      return call <= 2 ? { kind: 'unavailable' } : { kind: 'charge', status: 'succeeded', answerAfterMs: 0 };
    case 'pm_card_3ds':
      return { kind: 'charge', status: 'requires_action', answerAfterMs: 0 };
    case 'pm_card_declined':
      return { kind: 'decline', declineCode: 'card_declined' };
    default:
      return { kind: 'decline', declineCode: 'unknown_payment_method' };
  }
}
