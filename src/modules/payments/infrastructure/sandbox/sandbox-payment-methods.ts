export type SandboxAnswer =
  | { readonly kind: 'charge'; readonly status: 'succeeded' | 'requires_action'; readonly answerAfterMs: number }
  | { readonly kind: 'decline'; readonly declineCode: string };

export type SandboxBehaviour = { readonly kind: 'unavailable' } | SandboxAnswer;

export const SLOW_ANSWER_MS = 3000;

/**
 * What a test method does with one idempotency key: its first `unavailableCalls` requests
 * are answered 503, every later one with `answer`. Stated so, the sandbox can count a call
 * and make the charge in one statement, without reading the count back first.
 */
export interface SandboxMethod {
  readonly unavailableCalls: number;
  readonly answer: SandboxAnswer;
}

/** The sandbox's test cards (README, "Sandbox provider"); any other method is declined. */
export function sandboxMethod(paymentMethod: string): SandboxMethod {
  switch (paymentMethod) {
    case 'pm_card_ok':
      return { unavailableCalls: 0, answer: { kind: 'charge', status: 'succeeded', answerAfterMs: 0 } };
    case 'pm_card_slow':
      return { unavailableCalls: 0, answer: { kind: 'charge', status: 'succeeded', answerAfterMs: SLOW_ANSWER_MS } };
    case 'pm_card_flaky':
      return { unavailableCalls: 2, answer: { kind: 'charge', status: 'succeeded', answerAfterMs: 0 } };
    case 'pm_card_3ds':
      return { unavailableCalls: 0, answer: { kind: 'charge', status: 'requires_action', answerAfterMs: 0 } };
    case 'pm_card_declined':
      return { unavailableCalls: 0, answer: { kind: 'decline', declineCode: 'card_declined' } };
    default:
      return { unavailableCalls: 0, answer: { kind: 'decline', declineCode: 'unknown_payment_method' } };
  }
}

/** What the sandbox does with the `call`-th request (1-based) for one idempotency key. */
export function sandboxBehaviour(paymentMethod: string, call: number): SandboxBehaviour {
  const method = sandboxMethod(paymentMethod);
  return call <= method.unavailableCalls ? { kind: 'unavailable' } : method.answer;
}
