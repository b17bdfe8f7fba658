import { inputDepth, MAX_INPUT_DEPTH } from './validation';

describe('inputDepth', () => {
  it('measures nesting of objects and arrays, scalars being depth 0', () => {
    expect(inputDepth('x')).toBe(0);
    expect(inputDepth(null)).toBe(0);
    expect(inputDepth({})).toBe(1);
    expect(inputDepth({ a: [1, { b: 2 }] })).toBe(3);
  });

  it('stops early on hostile nesting without overflowing the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    expect(inputDepth(deep)).toBe(MAX_INPUT_DEPTH + 1);
  });
});
