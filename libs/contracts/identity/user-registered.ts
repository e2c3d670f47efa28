import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';

/** A new account exists. Consumers copy what they need (e.g. the email for notifications). */
export const UserRegistered = defineIntegrationEvent({
  publisher: 'identity',
  name: 'identity.user-registered',
  version: 1,
  schema: z.object({ userId: z.uuid(), email: z.email(), roles: z.array(z.string()) }).strict(),
});
