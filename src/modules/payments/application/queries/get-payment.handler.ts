import { Query, QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadDataSource } from '#libs/database';
import { PaymentsError } from '../../domain/payment-errors';
import { findPayment, type PaymentKey } from '../../infrastructure/payment-store';
import { paymentView, type PaymentView } from '../payment-view';

export interface Requester {
  readonly id: string;
  readonly isAdmin: boolean;
}

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
  constructor(private readonly reads: ReadDataSource) {}

  async execute({ key, requester, atLeastLsn }: GetPayment): Promise<PaymentView> {
    const { value: payment } = await this.reads.query(
      (dataSource) => findPayment((sql, params) => dataSource.query(sql, params), key),
      atLeastLsn,
    );
    if (!payment || (payment.customerId !== requester.id && !requester.isAdmin)) {
      const what = 'id' in key ? `payment ${key.id}` : `a payment of order ${key.orderId}`;
      throw new PaymentsError('payment-not-found', `${what} does not exist`);
    }
    return paymentView(payment);
  }
}
