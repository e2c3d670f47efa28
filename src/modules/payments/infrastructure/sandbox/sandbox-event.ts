import { z } from 'zod';

/** A webhook of the sandbox provider, as it is sent and as Tessera parses it. */
export const sandboxEventSchema = z
  .object({
    id: z.string().regex(/^evt_[A-Za-z0-9_-]{8,64}$/),
    type: z.enum(['charge.succeeded', 'charge.failed', 'charge.refunded']),
    created: z.number().int().positive(),
    data: z
      .object({
        chargeId: z.string().min(1).max(100),
        reference: z.string().min(1).max(100),
        declineCode: z.string().min(1).max(100).optional(),
      })
      .strict(),
  })
  .strict();

export type SandboxEvent = z.infer<typeof sandboxEventSchema>;

/** The header the sandbox signs its webhooks in (same recipe as Tessera's own: see README). */
export const SANDBOX_SIGNATURE_HEADER = 'sandbox-signature';
