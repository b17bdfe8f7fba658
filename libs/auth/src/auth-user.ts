import { Role } from '@app/domain';

/** The authenticated caller, decoded from the access token. */
export interface AuthUser {
  id: string;
  role: Role;
  brandId: string | null;
}

export interface AccessTokenClaims {
  sub: string;
  role: Role;
  brandId: string | null;
}
