import { z } from 'zod';
import { defineIntegrationEvent } from '../integration-event';

/** An account's roles changed; `roles` is the complete new set. */
export const UserRoleChanged = defineIntegrationEvent({
  publisher: 'identity',
  name: 'identity.user-role-changed',
  version: 1,
  schema: z.object({ userId: z.uuid(), roles: z.array(z.string()) }).strict(),
});
