import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MAX_CODE_LENGTH } from '../csv-code-reader';

/** JSON uploads stay under the global 5 MB body limit; larger pools come as streamed text/csv. */
export const MAX_JSON_CODES = 100_000;

export class UploadCodesDto {
  @ApiProperty({ type: [String], maxItems: MAX_JSON_CODES, example: ['COFFEE-0001', 'COFFEE-0002'], description: 'surrounding spaces are trimmed, as in CSV' })
  // Trimmed like a CSV line, so " A1" and "A1" are the same code whichever way they arrive.
  @Transform(({ value }: { value: unknown }) => (Array.isArray(value) ? value.map((code) => (typeof code === 'string' ? code.trim() : code)) : value))
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_JSON_CODES)
  @IsString({ each: true }) @MinLength(1, { each: true }) @MaxLength(MAX_CODE_LENGTH, { each: true })
  @Matches(/^[^\u0000-\u001f\u007f]*$/, { each: true, message: 'codes must not contain control characters' })
  codes: string[];
}

export class CodeUploadResultDto {
  @ApiProperty({ type: 'integer', description: 'codes added to the pool' }) added: number;
  @ApiProperty({ type: 'integer', description: 'codes already in the pool or repeated in the upload, not added' }) duplicates: number;
}

/** Counts only: brands never see a code's value. */
export class InventoryDto {
  @ApiProperty({ type: 'integer' }) totalUnits: number;
  @ApiProperty({ type: 'integer' }) claimedUnits: number;
  @ApiProperty({ type: 'integer', description: 'totalUnits - claimedUnits' }) availableUnits: number;
  @ApiProperty({ type: 'integer' }) codesLoaded: number;
  @ApiProperty({ type: 'integer' }) codesAssigned: number;
}
