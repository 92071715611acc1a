import { Caller, readableBy } from './common';
import { AppError } from './errors';

const bob: Caller = { subject: 'u-bob', username: 'bob', roles: ['Observer'], groups: [], admin: false };
const root: Caller = { subject: 'u-root', username: 'root', roles: ['RootAdmin'], groups: [], admin: true };

describe('readableBy', () => {
  it('narrows a caller to their own records, whether or not they name themselves', () => {
    const byOutcome: { outcome: string; caller?: string } = { outcome: 'ok' };
    expect(readableBy(bob, byOutcome)).toEqual({ outcome: 'ok', caller: 'bob', caller_subject: 'u-bob' });
    expect(readableBy(bob, { caller: 'bob' })).toEqual({ caller: 'bob', caller_subject: 'u-bob' });
  });

  it("refuses a caller who asks for someone else's records", () => {
    expect(() => readableBy(bob, { caller: 'alice' })).toThrow(expect.objectContaining({ code: 'forbidden' }) as AppError);
  });

  it("leaves an administrator's filter as it is, with or without a caller", () => {
    expect(readableBy(root, { caller: 'alice' })).toEqual({ caller: 'alice' });
    expect(readableBy(root, {})).toEqual({});
  });
});
