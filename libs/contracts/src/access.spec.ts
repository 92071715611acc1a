import {
  AccessControlled,
  Caller,
  entityRefSchema,
  isOwner,
  mayUse,
  pageRequestSchema,
  publicIdSchema,
  queryNumber,
  readableBy,
  sharedWithSchema,
  callerSchema,
} from './common';
import { AppError, ERROR_HTTP_STATUS, ErrorCode, invalidArgument, issuesOf } from './errors';
import { z } from 'zod';

const alice: Caller = { subject: 'u-alice', username: 'alice', roles: ['Observer'], groups: ['lab'], admin: false };
const root: Caller = { subject: 'u-root', username: 'root', roles: ['RootAdmin'], groups: [], admin: true };
const none = { users: [], roles: [], groups: [] };
const resource = (extra: Partial<AccessControlled> = {}): AccessControlled => ({
  owner: 'bob',
  owner_subject: 'u-bob',
  visibility: 'private',
  shared_with: none,
  ...extra,
});

describe('isOwner', () => {
  it('is decided by the subject when the resource has one, by the user name otherwise', () => {
    expect(isOwner(alice, { owner: 'someone', owner_subject: 'u-alice' })).toBe(true);
    expect(isOwner(alice, { owner: 'alice', owner_subject: 'u-other' })).toBe(false);
    expect(isOwner(alice, { owner: 'alice', owner_subject: null })).toBe(true);
    expect(isOwner(alice, { owner: 'alice' })).toBe(true);
    expect(isOwner(alice, { owner: 'bob', owner_subject: null })).toBe(false);
    expect(isOwner(alice, { owner: 'alice', owner_subject: '' })).toBe(true);
  });
});

describe('mayUse', () => {
  it('lets administrators, the owner and everyone for a public resource', () => {
    expect(mayUse(root, resource())).toBe(true);
    expect(mayUse(alice, resource({ owner_subject: 'u-alice' }))).toBe(true);
    expect(mayUse(alice, resource({ visibility: 'public' }))).toBe(true);
  });

  it('refuses everyone else a private resource, even one shared with them by name', () => {
    expect(mayUse(alice, resource())).toBe(false);
    expect(mayUse(alice, resource({ shared_with: { users: ['alice'], roles: ['Observer'], groups: ['lab'] } }))).toBe(false);
    // the user name of a resource that has a subject does not make its holder the owner
    expect(mayUse(alice, resource({ owner: 'alice' }))).toBe(false);
  });

  it('shares with users by subject or user name, with roles and with groups, each on its own', () => {
    const shared = (shared_with: AccessControlled['shared_with']) => mayUse(alice, resource({ visibility: 'shared', shared_with }));
    expect(shared(none)).toBe(false);
    expect(shared({ users: ['u-alice'], roles: [], groups: [] })).toBe(true);
    expect(shared({ users: ['alice'], roles: [], groups: [] })).toBe(true);
    expect(shared({ users: ['alicia', 'u-alicia'], roles: [], groups: [] })).toBe(false);
    expect(shared({ users: [], roles: ['Observer'], groups: [] })).toBe(true);
    expect(shared({ users: [], roles: ['Manager'], groups: [] })).toBe(false);
    expect(shared({ users: [], roles: [], groups: ['lab'] })).toBe(true);
    expect(shared({ users: [], roles: [], groups: ['other'] })).toBe(false);
  });
});

describe('readableBy', () => {
  it('narrows anyone but an administrator to their own records, by subject and name', () => {
    expect(readableBy(alice, {})).toEqual({ caller: 'alice', caller_subject: 'u-alice' });
    expect(readableBy(alice, { caller: 'alice', x: 1 })).toEqual({ caller: 'alice', caller_subject: 'u-alice', x: 1 });
    expect(() => readableBy(alice, { caller: 'bob' })).toThrow(
      new AppError('forbidden', "only administrators can read other callers' records"),
    );
    expect(readableBy(root, { caller: 'bob' })).toEqual({ caller: 'bob' });
  });
});

describe('the shared schemas', () => {
  it('public ids are 64 lowercase hex characters, refs a uuid or one', () => {
    expect(publicIdSchema.safeParse('a'.repeat(64)).success).toBe(true);
    for (const bad of ['a'.repeat(63), 'a'.repeat(65), 'A'.repeat(64), 'g'.repeat(64)])
      expect(publicIdSchema.safeParse(bad).success).toBe(false);
    expect(publicIdSchema.safeParse('x').error!.issues[0]!.message).toBe('expected a 64-character hex id');
    expect(entityRefSchema.safeParse('4b4f7a8e-3a8c-4a34-9a57-3a1e1e0a0001').success).toBe(true);
    expect(entityRefSchema.safeParse('nope').error!.issues[0]!.message).toBe('expected a uuid or a 64-character hex id');
  });

  it('query numbers are numbers or refused as such', () => {
    expect(queryNumber().parse('50')).toBe(50);
    expect(queryNumber().safeParse('fifty').error!.issues[0]!.message).toBe('expected a number');
    expect(pageRequestSchema.parse({})).toEqual({ limit: 50 });
    expect(pageRequestSchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(pageRequestSchema.safeParse({ limit: '500' }).success).toBe(true);
    expect(pageRequestSchema.safeParse({ limit: '501' }).success).toBe(false);
    expect(pageRequestSchema.safeParse({ limit: '1.5' }).success).toBe(false);
    expect(pageRequestSchema.safeParse({ cursor: 'c'.repeat(201) }).success).toBe(false);
  });

  it('bound what a caller and a share may hold', () => {
    const ok = { subject: 's', username: 'u', roles: [], admin: false };
    expect(callerSchema.parse(ok)).toEqual({ ...ok, groups: [] });
    for (const bad of [
      { ...ok, subject: '' },
      { ...ok, username: '' },
      { ...ok, subject: 's'.repeat(256) },
      { ...ok, username: 'u'.repeat(256) },
      { ...ok, roles: Array(101).fill('r') },
      { ...ok, roles: ['r'.repeat(101)] },
      { ...ok, groups: Array(201).fill('g') },
      { ...ok, groups: ['g'.repeat(256)] },
      { ...ok, admin: 'yes' },
    ]) {
      expect(callerSchema.safeParse(bad).success).toBe(false);
    }
    expect(
      callerSchema.safeParse({ ...ok, subject: 's'.repeat(255), username: 'u'.repeat(255), roles: Array(100).fill('r'.repeat(100)) })
        .success,
    ).toBe(true);
    expect(sharedWithSchema.parse({})).toEqual(none);
    for (const bad of [
      { users: Array(501).fill('u') },
      { users: [''] },
      { users: ['u'.repeat(256)] },
      { roles: Array(51).fill('r') },
      { roles: [''] },
      { roles: ['r'.repeat(101)] },
      { groups: Array(201).fill('g') },
      { groups: [''] },
      { groups: ['g'.repeat(256)] },
      { extra: [] },
    ]) {
      expect(sharedWithSchema.safeParse(bad).success).toBe(false);
    }
    expect(
      sharedWithSchema.safeParse({ users: Array(500).fill('u'.repeat(255)), roles: Array(50).fill('r'), groups: Array(200).fill('g') })
        .success,
    ).toBe(true);
  });
});

describe('errors', () => {
  it('map each code to its status and carry details only when there are some', () => {
    expect(new AppError('payload_too_large', 'x').httpStatus).toBe(413);
    // By status, as a client sees them: only unavailable and circuit_open share one.
    const statuses: [number, ErrorCode[]][] = [
      [400, ['invalid_argument']],
      [401, ['unauthenticated']],
      [403, ['forbidden']],
      [404, ['not_found']],
      [405, ['method_not_allowed']],
      [408, ['request_timeout']],
      [409, ['conflict']],
      [413, ['payload_too_large']],
      [414, ['uri_too_long']],
      [415, ['unsupported_media_type']],
      [429, ['rate_limited']],
      [431, ['headers_too_large']],
      [500, ['internal']],
      [502, ['upstream_error']],
      [503, ['unavailable', 'circuit_open']],
      [504, ['upstream_timeout']],
    ];
    for (const [status, codes] of statuses) {
      for (const code of codes) {
        expect(ERROR_HTTP_STATUS[code]).toBe(status);
        expect(new AppError(code, 'x').httpStatus).toBe(status);
      }
    }
    expect(new AppError('conflict', 'taken').toBody()).toEqual({ code: 'conflict', message: 'taken' });
    expect(new AppError('conflict', 'taken', { n: 1 }).toBody()).toEqual({ code: 'conflict', message: 'taken', details: { n: 1 } });
    expect(AppError.fromBody({ code: 'forbidden', message: 'no', details: [1] })).toMatchObject({
      code: 'forbidden',
      message: 'no',
      details: [1],
    });
    expect(AppError.notFound('machine', 'm1').message).toBe('machine m1 not found');
    expect(AppError.notFound('machine').message).toBe('machine not found');
    expect(new AppError('internal', 'x').name).toBe('AppError');
  });

  it('list zod issues as paths a client can fix', () => {
    const schema = z.object({ a: z.object({ b: z.number() }) });
    expect(issuesOf(schema.safeParse({ a: { b: 'x' } }).error!)).toEqual([{ path: 'a.b', message: expect.any(String) }]);
    expect(issuesOf(z.number().safeParse('x').error!)).toEqual([{ path: '(root)', message: expect.any(String) }]);
    const err = invalidArgument(z.number().safeParse('x').error!);
    expect(err).toMatchObject({ code: 'invalid_argument', message: 'invalid input', details: { issues: [{ path: '(root)' }] } });
    expect(invalidArgument(z.number().safeParse('x').error!, 'bad').message).toBe('bad');
  });
});
