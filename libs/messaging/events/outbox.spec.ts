import { z } from 'zod';
import { defineIntegrationEvent } from '#libs/contracts';
import { runInMessageContext } from '../../observability/message-context';
import { Outbox } from './outbox';

// The barrel also exports Nest modules, which load as ESM only; the outbox needs the context alone.
jest.mock('#libs/observability', () => jest.requireActual('../../observability/message-context'));
jest.mock('#libs/database', () => jest.requireActual('../../database/after-commit'));

const ShelfCounted = defineIntegrationEvent({
  publisher: 'shelves',
  name: 'shelves.shelf-counted',
  version: 1,
  schema: z.object({ shelf: z.string() }).strict(),
});

describe('Outbox', () => {
  const outbox = new Outbox('shelves', 'shelves', [ShelfCounted], { ring: () => undefined });
  const aggregate = { aggregateId: 'shelf-1', aggregateVersion: 2 };

  it("records the handled event as the new event's cause", () => {
    const row = runInMessageContext({ requestId: 'r', correlationId: 'c', causationId: 'e-1' }, () =>
      outbox.row(ShelfCounted, { shelf: 'A' }, aggregate),
    );
    expect(row.slice(6, 8)).toEqual(['c', 'e-1']);
  });

  it('refuses to publish while a handler applies several events at once: the cause would be ambiguous', () => {
    const context = { requestId: 'r', correlationId: 'c', causationId: 'e-1', severalCauses: true } as const;
    expect(() => runInMessageContext(context, () => outbox.row(ShelfCounted, { shelf: 'A' }, aggregate))).toThrow(
      /from handleMany without its cause/,
    );
  });

  it('refuses an event the module does not publish, and a payload that breaks its schema', () => {
    const Other = defineIntegrationEvent({ ...ShelfCounted, name: 'shelves.other' });
    expect(() => outbox.row(Other, { shelf: 'A' }, aggregate)).toThrow(/does not publish/);
    expect(() => outbox.row(ShelfCounted, { shelf: 1 } as never, aggregate)).toThrow(/breaks its schema/);
  });
});
