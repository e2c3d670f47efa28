import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ADMIN_ROLE, Roles } from '#libs/auth';
import { chargeKey } from '../../application/commands/charge-payment.handler';
import { SandboxProvider, type SandboxCharge } from '../../infrastructure/sandbox/sandbox-provider';
import { AuthenticateChargeDto, SandboxChargesQuery } from './sandbox.dto';

/**
 * The sandbox provider's own pages, as a real provider's test dashboard and 3-D Secure page
 * would offer them: the customer completes authentication of a `pm_card_3ds` charge, and an
 * admin lists what the provider holds for a payment (how tests prove a card was charged once).
 */
@ApiTags('payments sandbox')
@ApiBearerAuth()
@Controller('v1/payments/sandbox')
export class SandboxController {
  constructor(private readonly sandbox: SandboxProvider) {}

  /** Completes (or fails) the customer's 3-D Secure step; the outcome reaches payments by webhook. */
  @Post('charges/:chargeId/authenticate')
  @HttpCode(200)
  async authenticate(@Param('chargeId') chargeId: string, @Body() body: AuthenticateChargeDto): Promise<SandboxCharge> {
    const charge = await this.sandbox.authenticate(chargeId, (body.outcome ?? 'succeeded') === 'succeeded');
    if (!charge) throw new NotFoundException(`the sandbox has no charge ${chargeId}`);
    return charge;
  }

  /** The charges the sandbox made for one payment, and how many charge requests it received for it. */
  @Get('charges')
  @Roles(ADMIN_ROLE)
  async list(@Query() query: SandboxChargesQuery): Promise<{ items: SandboxCharge[]; requests: number }> {
    const [items, requests] = await Promise.all([
      this.sandbox.chargesOf(query.reference),
      this.sandbox.callsWith(chargeKey(query.reference)),
    ]);
    return { items, requests };
  }
}
