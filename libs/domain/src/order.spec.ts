import { compareCodePoints } from './order';

describe('compareCodePoints', () => {
  it('orders by code unit whatever the locale: punctuation, digits and capitals before lower case', () => {
    expect(['zz', 'aa', 'a_b', 'a1', 'a-b', 'B', 'a'].sort(compareCodePoints)).toEqual(['B', 'a', 'a-b', 'a1', 'a_b', 'aa', 'zz']);
    expect(compareCodePoints('x', 'x')).toBe(0);
  });
});
