import * as argon2 from 'argon2';
import { hashPassword, verifyPassword } from './password-hasher';

describe('password hashing', () => {
  const composed = 'café-password'; // é as one code point (NFC)
  const decomposed = composed.normalize('NFD'); // e + U+0301

  it('hashes with argon2id and takes a password however its accents were typed', async () => {
    expect(decomposed).not.toBe(composed);
    for (const typed of [composed, decomposed]) {
      const hash = await hashPassword(typed);
      expect(hash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(hash, composed)).toBe(true);
      expect(await verifyPassword(hash, decomposed)).toBe(true);
      expect(await verifyPassword(hash, 'cafe-password')).toBe(false);
    }
  });

  it('still takes a password hashed as typed, before passwords were normalized', async () => {
    const legacy = await argon2.hash(decomposed, { type: argon2.argon2id });
    expect(await verifyPassword(legacy, decomposed)).toBe(true);
    expect(await verifyPassword(null, decomposed)).toBe(false);
    expect(await verifyPassword('not-a-hash', decomposed)).toBe(false);
  });

  it('hashes with OWASP\'s argon2id minimum: 19 MiB, 2 passes, 1 lane', async () => {
    expect(await hashPassword('long-enough-password')).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  });
});
