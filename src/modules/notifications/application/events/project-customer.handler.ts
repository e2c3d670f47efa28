import type { EntityManager } from 'typeorm';
import { UserRegistered, UserRoleChanged, type EventEnvelope, type PayloadOf } from '#libs/contracts';
import { OnIntegrationEvent, type IntegrationEventHandler } from '#libs/messaging';
import { CustomerDirectory } from '../ports/customer-directory';

const ADMIN = 'admin';

/** A new account: notifications keeps its email (to address it) and whether it is an admin. */
@OnIntegrationEvent(UserRegistered)
export class ProjectRegisteredCustomerHandler implements IntegrationEventHandler<PayloadOf<typeof UserRegistered>> {
  constructor(private readonly customers: CustomerDirectory) {}

  async handle(event: EventEnvelope<PayloadOf<typeof UserRegistered>>, manager: EntityManager): Promise<void> {
    const { userId, email, roles } = event.payload;
    await this.customers.upsert(manager, { userId, email, isAdmin: roles.includes(ADMIN) });
  }
}

/** Roles changed: an admin's endpoints receive every customer's events, a former admin's no longer. */
@OnIntegrationEvent(UserRoleChanged)
export class ProjectCustomerRolesHandler implements IntegrationEventHandler<PayloadOf<typeof UserRoleChanged>> {
  constructor(private readonly customers: CustomerDirectory) {}

  async handle(event: EventEnvelope<PayloadOf<typeof UserRoleChanged>>, manager: EntityManager): Promise<void> {
    await this.customers.setAdmin(manager, event.payload.userId, event.payload.roles.includes(ADMIN));
  }
}
