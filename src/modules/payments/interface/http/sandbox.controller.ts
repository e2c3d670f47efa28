import { Body, Controller, Get, HttpCode, Param, Post, Query, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ADMIN_ROLE, CurrentUser, Roles, type AuthUser } from '#libs/auth';
import { ApiProblems } from '#libs/http';
import { chargeKey } from '../../application/provider-charge';
import { PaymentStore } from '../../application/ports/payment-store';
import { isPaymentId } from '../../domain/payment';
import { PaymentsError } from '../../domain/payment-errors';
import { SandboxProvider, type SandboxCharge } from '../../infrastructure/sandbox/sandbox-provider';
import { PaymentsProblemsFilter } from './payments-problems.filter';
import { requester } from './requester';
import { AuthenticateChargeDto, SandboxChargesQuery } from './sandbox.dto';
import { SandboxChargeListResponse, SandboxChargeResponse } from './sandbox.responses';

/**
 * The sandbox provider's own pages, as a real provider offers them: the 3-D Secure page of a
 * `pm_card_3ds` charge, and a payment's charges (how tests prove a card was charged once).
 */
@ApiTags('payments sandbox')
@ApiBearerAuth()
@UseFilters(PaymentsProblemsFilter)
@Controller('v1/payments/sandbox')
export class SandboxController {
  constructor(
    private readonly sandbox: SandboxProvider,
    private readonly payments: PaymentStore,
  ) {}

  /**
   * Completes (or fails) the customer's 3-D Secure step; the outcome reaches payments by webhook.
   * Anyone but the paying customer or an admin gets 404, as a real provider's page is bound to
   * its customer's session.
   */
  @Post('charges/:chargeId/authenticate')
  @HttpCode(200)
  @ApiOperation({ operationId: 'authenticateSandboxCharge', summary: "Complete a sandbox charge's 3-D Secure step" })
  @ApiOkResponse({
    type: SandboxChargeResponse,
    description: 'The charge: `succeeded` or `declined` if it was waiting for 3-D Secure, else as it was',
  })
  @ApiProblems({ 404: ['sandbox-charge-not-found'] })
  async authenticate(
    @Param('chargeId') chargeId: string,
    @Body() body: AuthenticateChargeDto,
    @CurrentUser() user: AuthUser,
  ): Promise<SandboxCharge> {
    const charge = await this.sandbox.chargeById(chargeId);
    if (!charge || !(await this.mayAuthenticate(charge, user))) {
      throw new PaymentsError('sandbox-charge-not-found', `the sandbox has no charge ${chargeId}`);
    }
    const authenticated = await this.sandbox.authenticate(chargeId, (body.outcome ?? 'succeeded') === 'succeeded');
    if (!authenticated) throw new PaymentsError('sandbox-charge-not-found', `the sandbox has no charge ${chargeId}`);
    return authenticated;
  }

  /** The charges the sandbox made for one payment, and how many charge requests it received for it. */
  @Get('charges')
  @Roles(ADMIN_ROLE)
  @ApiOperation({ operationId: 'listSandboxCharges', summary: "List the sandbox's charges for a payment (admins)" })
  @ApiOkResponse({ type: SandboxChargeListResponse, description: 'The charges, and the charge requests received' })
  @ApiProblems({ 403: ['forbidden'] })
  async list(@Query() query: SandboxChargesQuery): Promise<{ items: SandboxCharge[]; requests: number }> {
    const [items, requests] = await Promise.all([
      this.sandbox.chargesOf(query.reference),
      this.sandbox.callsWith(chargeKey(query.reference)),
    ]);
    return { items, requests };
  }

  /** An admin, or the payment's customer; read on the primary, as the charge may be brand new. */
  private async mayAuthenticate(charge: SandboxCharge, user: AuthUser): Promise<boolean> {
    const caller = requester(user);
    if (caller.isAdmin) return true;
    if (!isPaymentId(charge.reference)) return false;
    const payment = await this.payments.findOnPrimary({ id: charge.reference });
    return payment?.customerId === caller.id;
  }
}
