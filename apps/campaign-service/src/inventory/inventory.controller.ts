import { Controller, Get, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { AuthUser, CurrentUser, Roles } from '@app/auth';
import { DomainError, ErrorCode, Role } from '@app/domain';
import { createValidationPipe } from '@app/platform';
import { CodePoolService, MAX_CSV_BYTES } from './code-pool.service';
import { isSupportedCharset } from './csv-code-reader';
import { CodeUploadResultDto, InventoryDto, UploadCodesDto } from './dto/inventory.dto';
import { InventoryService } from './inventory.service';

const CHARSET = /;\s*charset="?([^";\s]+)"?/i;
const validation = createValidationPipe();

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
  @ApiBody({ type: UploadCodesDto, description: `JSON {codes}, or text/csv with one code a line (optional header "code"; UTF-8 unless a charset parameter says otherwise), at most ${MAX_CSV_BYTES / 1024 / 1024} MB` })
  @ApiCreatedResponse({ type: CodeUploadResultDto })
  async upload(@CurrentUser() user: AuthUser, @Param('id') id: string, @Req() request: Request): Promise<CodeUploadResultDto> {
    const campaign = await this.codes.assertAccepts(user, id);
    if (request.is('text/csv')) {
      const declared = Number(request.headers['content-length']);
      if (declared > MAX_CSV_BYTES) throw new DomainError(ErrorCode.PayloadTooLarge, 'Upload too large');
      const charset = CHARSET.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !isSupportedCharset(charset)) {
        throw new DomainError(ErrorCode.UnsupportedMediaType, `Unsupported charset "${charset}"`);
      }
      return this.codes.uploadCsv(campaign, request, charset);
    }
    if (request.is('application/json')) {
      const dto = (await validation.transform(request.body, { type: 'body', metatype: UploadCodesDto })) as UploadCodesDto;
      return this.codes.uploadJson(campaign, dto.codes);
    }
    throw new DomainError(ErrorCode.UnsupportedMediaType, 'Send codes as text/csv or application/json');
  }

  @Get('inventory')
  @ApiOkResponse({ type: InventoryDto })
  inventory(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<InventoryDto> {
    return this.inventoryService.inventory(user, id);
  }
}
