import fc from 'fast-check';
import { UUID, uuidV7 } from './ids';

describe('uuidV7', () => {
  it('is a version-7, RFC-variant UUID whose first 48 bits are the milliseconds it was made at', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 1 }), (ms) => {
        const id = uuidV7(ms);
        expect(id).toMatch(UUID);
        expect(id[14]).toBe('7');
        expect('89ab').toContain(id[19]);
        expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBe(ms);
      }),
    );
  });

  it('sorts ids made in later milliseconds after earlier ones', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 48 - 2 }), fc.integer({ min: 1, max: 10 ** 9 }), (ms, later) => {
        fc.pre(ms + later < 2 ** 48);
        expect(uuidV7(ms) < uuidV7(ms + later)).toBe(true);
      }),
    );
  });

  it('differs between ids made in the same millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => uuidV7(1_800_000_000_000)));
    expect(ids.size).toBe(10_000);
  });
});
