import * as argon2 from 'argon2';

/** argon2id with OWASP's 2023 minimum (19 MiB, 2 passes): strong, and cheap enough for sign-up bursts. */
const OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Passwords are hashed in Unicode normal form C: `café` typed as one code point for `é` (most
 * keyboards) or as `e` plus a combining accent (some phones) is the same password.
 */
export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password.normalize('NFC'), OPTIONS);
}

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) return false;
  const normal = password.normalize('NFC');
  try {
    // A hash made before passwords were normalized holds the password as it was typed.
    return (await argon2.verify(hash, normal)) || (normal !== password && (await argon2.verify(hash, password)));
  } catch {
    return false;
  }
}

/** Verified against when the email is unknown, so login time does not reveal which emails exist. */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,p=1,t=2$hXYqGUEWaV8ykczk8vtTvA$NxhvOPRDKYYXaKrJCF85PCrHMIP766PmWE7n3xgAMjA';
