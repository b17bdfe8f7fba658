import { applyDecorators } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { Role } from '@app/domain';
import { TextLine } from '@app/platform';

const normalizeEmail = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/**
 * A new password, measured as it is hashed (Unicode normal form C, see password-hasher): an accent
 * typed as a combining mark counts once, as it is stored.
 */
const NewPassword = () =>
  applyDecorators(
    ApiProperty({ minLength: 10, maxLength: 200 }),
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.normalize('NFC') : value)),
    IsString(),
    MinLength(10),
    MaxLength(200),
  );

/** A new account's email. The reserved `.invalid` domain (RFC 2606) is where erased accounts' placeholders live. */
const NewEmail = () =>
  applyDecorators(
    Transform(normalizeEmail),
    IsEmail(),
    MaxLength(254),
    Matches(/^(?!.*\.invalid$)/, { message: 'email must not be in the reserved .invalid domain' }),
  );

export class RegisterMemberDto {
  @ApiProperty({ example: 'ada@example.com' })
  @NewEmail()
  email: string;

  @NewPassword()
  password: string;

  @ApiProperty({ example: 'Ada' })
  @TextLine(100)
  displayName: string;
}

export class RegisterBrandDto {
  @ApiProperty({ example: 'Acme Coffee' })
  @TextLine(200)
  brandName: string;

  @ApiProperty({ example: 'team@acme.example' })
  @NewEmail()
  email: string;

  @NewPassword()
  password: string;
}

export class LoginDto {
  @ApiProperty() @Transform(normalizeEmail) @IsString() @MaxLength(254)
  email: string;

  @ApiProperty() @IsString() @MaxLength(200)
  password: string;
}

export class RegisteredMemberDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role }) role: Role;
}

export class RegisteredBrandDto {
  @ApiProperty() brandId: string;
  @ApiProperty() userId: string;
}

export class AccessTokenDto {
  @ApiProperty() accessToken: string;
  @ApiProperty({ type: 'integer', description: 'seconds until the token expires' }) expiresIn: number;
}

export class SessionTokensDto extends AccessTokenDto {
  @ApiProperty({ description: 'opaque; exchange it at POST /auth/refresh for a new pair (it is then rotated)' })
  refreshToken: string;
}

export class RefreshTokenDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(200)
  refreshToken: string;
}

export class ChangePasswordDto {
  @ApiProperty() @IsString() @MaxLength(200)
  currentPassword: string;

  @NewPassword()
  newPassword: string;
}

export class MeDto {
  @ApiProperty() id: string;
  @ApiProperty() email: string;
  @ApiProperty({ enum: Role }) role: Role;
  @ApiProperty({ nullable: true, type: String }) displayName: string | null;
  @ApiProperty({ nullable: true, type: String }) brandId: string | null;
}
