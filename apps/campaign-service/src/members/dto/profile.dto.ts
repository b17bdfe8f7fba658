import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsISO31661Alpha2, IsISO8601, Matches, ValidateIf } from 'class-validator';

/** `us` reads as US; only ASCII letters are folded (JavaScript, and the ISO check itself, fold "ıt" to IT and "ß" to SS). */
const upperCase = ({ value }: { value: unknown }) => (typeof value === 'string' && /^[a-z]{2}$/i.test(value) ? value.toUpperCase() : value);

export class UpdateProfileDto {
  @ApiProperty({ nullable: true, type: String, example: 'US', description: 'ISO 3166-1 alpha-2' })
  @ValidateIf((_: object, value: unknown) => value !== null)
  @Transform(upperCase) @Matches(/^[A-Z]{2}$/, { message: 'country must be two letters (ISO 3166-1 alpha-2)' }) @IsISO31661Alpha2()
  country: string | null;

  @ApiProperty({ nullable: true, type: String, example: '1990-05-01', description: 'YYYY-MM-DD' })
  @ValidateIf((_: object, value: unknown) => value !== null)
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'birthDate must be YYYY-MM-DD' }) @IsISO8601({ strict: true })
  birthDate: string | null;

  @ApiProperty({ description: 'only opted-in members are ever matched to campaigns' })
  @IsBoolean()
  optedIn: boolean;
}

export class ProfileDto {
  @ApiProperty({ nullable: true, type: String }) country: string | null;
  @ApiProperty({ nullable: true, type: String }) birthDate: string | null;
  @ApiProperty() optedIn: boolean;
  @ApiProperty({ nullable: true, type: String }) updatedAt: string | null;
}
