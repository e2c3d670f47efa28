import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PaymentsError } from '../../domain/payment-errors';
import { paymentView, type PaymentView } from '../payment-view';
import { PaymentTransitions } from '../payment-transitions';

export class RequestRefund extends Command<PaymentView> {
  constructor(readonly paymentId: string) {
    super();
  }
}

/**
 * An admin refunds a payment that succeeded: it becomes `refund_pending` at once and a job
 * asks the provider (never the request: a provider may be slow). Asking again while the
 * refund is pending or done answers the payment as it is; any other status is 409.
 */
@CommandHandler(RequestRefund)
export class RequestRefundHandler implements ICommandHandler<RequestRefund> {
  constructor(private readonly transitions: PaymentTransitions) {}

  async execute({ paymentId }: RequestRefund): Promise<PaymentView> {
    const applied = await this.transitions.applyAlone({ id: paymentId }, (payment, now) =>
      payment.requestRefund('requested_by_admin', now),
    );
    if (!applied) throw new PaymentsError('payment-not-found', `payment ${paymentId} does not exist`);
    return paymentView(applied.payment.state);
  }
}
