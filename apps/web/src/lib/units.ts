/** A change in units typed by a person: an optional sign and digits ("1e1", "0x10", "2.0" are refused), never 0. */
export function parseUnitsChange(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^[+-]?\d+$/.test(trimmed)) return undefined;
  const value = Number(trimmed);
  return Number.isSafeInteger(value) && value !== 0 ? value : undefined;
}
