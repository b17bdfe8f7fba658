import { ErrorCode } from '@app/domain';
import { decodeCursor, encodeCursor, pageCursor, toPage } from './pagination';

const ID = '0b6c6a4e-8d7f-4c1e-9a43-5d0f6f1a2b3c';
const raw = (parts: unknown) => Buffer.from(JSON.stringify(parts)).toString('base64url');

describe('keyset cursors', () => {
  it.each(['2026-11-26T01:02:03.456Z', '2026-11-26T01:02:03.456789Z', '2026-11-26T01:02:03Z'])('round-trips %s', (at) => {
    expect(decodeCursor(encodeCursor({ at, id: ID }))).toEqual({ at, id: ID });
  });

  it.each([
    ['not base64 JSON', 'garbage!'],
    ['a number for at', raw([1, ID])],
    ['a loose date Date.parse accepts', raw(['1', ID])],
    ['an RFC 2822 date', raw(['Tue, 01 Jan 2030 00:00:00 GMT', ID])],
    ['an impossible day', raw(['2026-02-31T00:00:00Z', ID])],
    ['hour 24', raw(['2026-02-01T24:00:00Z', ID])],
    ['a non-UTC offset', raw(['2026-02-01T00:00:00+02:00', ID])],
    ['year 0000, which PostgreSQL refuses', raw(['0000-01-01T00:00:00Z', ID])],
    ['36 dashes as id', raw(['2026-02-01T00:00:00Z', '-'.repeat(36)])],
    ['an object', raw({ at: '2026-02-01T00:00:00Z', id: ID })],
  ])('refuses %s', (_, cursor) => {
    expect(decodeCursor(cursor)).toBeNull();
  });

  it('reads a list request\'s cursor: absent or empty is the first page, anything not ours is a 400', () => {
    expect(pageCursor(undefined)).toBeNull();
    expect(pageCursor('')).toBeNull();
    expect(pageCursor(encodeCursor({ at: '2026-11-26T01:02:03Z', id: ID }))).toEqual({ at: '2026-11-26T01:02:03Z', id: ID });
    expect(() => pageCursor('garbage!')).toThrow(expect.objectContaining({ code: ErrorCode.ValidationFailed }));
  });
});

describe('toPage', () => {
  const key = (n: number) => ({ at: `2026-11-26T01:02:0${n}Z`, id: ID });
  it('has a next page only when more rows than the limit came back, its cursor the last row shown', () => {
    expect(toPage([1, 2, 3], 3, key, (n) => n * 10)).toEqual({ items: [10, 20, 30], nextCursor: null });
    expect(toPage([1, 2], 3, key, (n) => n)).toEqual({ items: [1, 2], nextCursor: null });
    expect(toPage([], 3, key, (n) => n)).toEqual({ items: [], nextCursor: null });
    expect(toPage([1, 2, 3, 4], 3, key, (n) => n)).toEqual({ items: [1, 2, 3], nextCursor: encodeCursor(key(3)) });
  });
});
