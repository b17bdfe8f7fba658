/**
 * Orders strings by UTF-16 code unit, the same on every host. `localeCompare` follows the host's
 * locale (under LC_ALL=da_DK.UTF-8 'aa' sorts after 'zz', and ICU puts 'a_b' before 'a-b'), so
 * the same data would come back in another order from another server.
 */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
