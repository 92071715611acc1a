import { enqueueCallRecordSchema } from '@cleargate/contracts';
import { nameBasedUuid } from './run-events';

describe('nameBasedUuid', () => {
  it('gives one valid UUID per name, the same on every redelivery', () => {
    const id = nameBasedUuid('0b7f3c1e-2a4d-4c5e-9f60-1a2b3c4d5e6f:queued');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(enqueueCallRecordSchema.shape.id.safeParse(id).success).toBe(true);
    expect(nameBasedUuid('0b7f3c1e-2a4d-4c5e-9f60-1a2b3c4d5e6f:queued')).toBe(id);
    expect(nameBasedUuid('0b7f3c1e-2a4d-4c5e-9f60-1a2b3c4d5e6f:failed')).not.toBe(id);
  });
});
