import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';

const toNumber = ({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value);

/** API.md's default page size. */
export const DEFAULT_PAGE_SIZE = 20;

/** `?limit&cursor` as API.md fixes them: limit ≤ 100, default 20; the cursor is opaque. */
export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })
  @Transform(toNumber) @IsInt() @Min(1) @Max(100)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @ValidateIf((_: object, value: unknown) => value !== undefined)
  @IsString() @MaxLength(200)
  cursor?: string;
}
