import { parseUnitsChange } from './units';

describe('parseUnitsChange', () => {
  it('reads an optional sign and digits', () => {
    expect(parseUnitsChange('10')).toBe(10);
    expect(parseUnitsChange(' -5 ')).toBe(-5);
    expect(parseUnitsChange('+3')).toBe(3);
  });

  it('refuses what Number() would read as something else, and zero', () => {
    for (const text of ['1e1', '0x10', '0b11', '2.0', '1_000', '', '-', '+-1', 'Infinity', '0', '-0', '99999999999999999999']) {
      expect(parseUnitsChange(text)).toBeUndefined();
    }
  });
});
