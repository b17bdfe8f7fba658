import { Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConflictResponse, ApiConsumes, ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { createValidationPipe } from '@app/platform';
import { CodePoolService, MAX_CSV_BYTES } from './code-pool.service';
import { isSupportedCharset } from './csv-code-reader';
import { CodeUploadResultDto, InventoryDto, UploadCodesDto } from './dto/inventory.dto';
import { InventoryService } from './inventory.service';

const CHARSET = /;\s*charset="?([^";\s]+)"?/i;
const validation = createValidationPipe();

/** Decoders of the Content-Encodings a CSV upload may come in, as the JSON parser takes them. */
const DECODERS: Record<string, (() => Transform) | null> = {
  identity: null,
  gzip: () => createGunzip(),
  'x-gzip': () => createGunzip(),
  deflate: () => createInflate(),
  br: () => createBrotliDecompress(),
};

/** The request body as sent before its Content-Encoding (415 for one it cannot undo). */
function decodedBody(request: Request): Readable {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  const decoder = DECODERS[encoding];
  if (decoder === undefined) throw new DomainError(ErrorCode.UnsupportedMediaType, `Unsupported content encoding "${encoding}"`);
  if (!decoder) return request;
  // The upload reads it only once it holds its lock: a broken stream's error waits in it till then
  // (an 'error' event with no listener would bring the process down).
  return request.pipe(decoder()).on('error', () => undefined);
}

@ApiTags('inventory')
@ApiBearerAuth()
@Roles(Role.Brand, Role.Admin)
@Controller('campaigns/:id')
export class InventoryController {
  constructor(
    private readonly codes: CodePoolService,
    private readonly inventoryService: InventoryService,
  ) {}

  /**
   * text/csv is streamed from the socket (no body parser touches it); JSON arrives parsed
   * by the global JSON parser and is validated here, since one route takes both.
   */
  @Post('codes')
  @ApiConsumes('text/csv', 'application/json')
  @ApiExtraModels(UploadCodesDto)
  @ApiBody({
    description: `JSON {codes}, or text/csv with one code a line (optional header "code"; UTF-8 unless a charset parameter says otherwise), at most ${MAX_CSV_BYTES / 1024 / 1024} MB`,
    schema: { oneOf: [{ $ref: getSchemaPath(UploadCodesDto) }, { type: 'string', description: 'text/csv', example: 'code\nCOFFEE-0001\nCOFFEE-0002\n' }] },
  })
  @ApiCreatedResponse({ type: CodeUploadResultDto })
  @ApiConflictResponse({ description: 'CONFLICT: the perk is not a digital_code; INVALID_TRANSITION: the campaign has ended' })
  async upload(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() request: Request): Promise<CodeUploadResultDto> {
    const startedAt = Date.now();
    const campaign = await this.codes.assertAccepts(user, id);
    if (request.is('text/csv')) {
      const declared = Number(request.headers['content-length']);
      if (declared > MAX_CSV_BYTES) throw new DomainError(ErrorCode.PayloadTooLarge, 'Upload too large');
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !isSupportedCharset(charset)) {
        throw new DomainError(ErrorCode.UnsupportedMediaType, `Unsupported charset "${charset}"`);
      }
      return this.codes.uploadCsv(campaign, decodedBody(request), startedAt, charset);
    }
    if (request.is('application/json')) {
      const dto = (await validation.transform(request.body, { type: 'body', metatype: UploadCodesDto })) as UploadCodesDto;
      return this.codes.uploadJson(campaign, dto.codes, startedAt);
    }
    throw new DomainError(ErrorCode.UnsupportedMediaType, 'Send codes as text/csv or application/json');
  }

  @Get('inventory')
  @ApiOkResponse({ type: InventoryDto })
  inventory(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<InventoryDto> {
    return this.inventoryService.inventory(user, id);
  }
}
