import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { PaymentsError } from '../../domain/payment-errors';
import type { Requester } from '../../domain/requester';
import { paymentView, type PaymentView } from '../payment-view';
import { PaymentStore, type PaymentKey } from '../ports/payment-store';

export class GetPayment extends Query<PaymentView> {
  constructor(
    /** By the payment's id, or by its order's. */
    readonly key: PaymentKey,
    readonly requester: Requester,
    readonly atLeastLsn?: string,
  ) {
    super();
  }
}

/** A payment, for the customer who pays it or an admin; to anyone else it does not exist. */
@QueryHandler(GetPayment)
export class GetPaymentHandler implements IQueryHandler<GetPayment> {
  constructor(private readonly payments: PaymentStore) {}

  async execute({ key, requester, atLeastLsn }: GetPayment): Promise<PaymentView> {
    const payment = await this.payments.find(key, atLeastLsn);
    if (!payment || (payment.customerId !== requester.id && !requester.isAdmin)) {
      const what = 'id' in key ? `payment ${key.id}` : `a payment of order ${key.orderId}`;
      throw new PaymentsError('payment-not-found', `${what} does not exist`);
    }
    return paymentView(payment);
  }
}
