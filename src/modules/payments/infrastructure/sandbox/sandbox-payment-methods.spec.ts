import { sandboxBehaviour } from './sandbox-payment-methods';

describe('sandbox test payment methods', () => {
  it('behaves as documented', () => {
    expect(sandboxBehaviour('pm_card_ok', 1)).toEqual({ kind: 'charge', status: 'succeeded', answerAfterMs: 0 });
    expect(sandboxBehaviour('pm_card_slow', 1)).toMatchObject({ answerAfterMs: 3000 });
    expect(sandboxBehaviour('pm_card_declined', 1)).toEqual({ kind: 'decline', declineCode: 'card_declined' });
    expect(sandboxBehaviour('pm_card_3ds', 1)).toMatchObject({ status: 'requires_action' });
    expect([1, 2, 3].map((call) => sandboxBehaviour('pm_card_flaky', call).kind)).toEqual([
      'unavailable',
      'unavailable',
      'charge',
    ]);
    expect(sandboxBehaviour('pm_card_visa', 1)).toEqual({ kind: 'decline', declineCode: 'unknown_payment_method' });
  });
});
