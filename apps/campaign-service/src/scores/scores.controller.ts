import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiSecurity, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { ScoreBatchDto, ScoreBatchResultDto } from './dto/score-batch.dto';
import { ProviderKeyGuard, ScoreProvider } from './provider-key.guard';
import { ScoresService } from './scores.service';

@ApiTags('scores')
@Controller('scores')
export class ScoresController {
  constructor(private readonly scores: ScoresService) {}

  /** Providers authenticate with their key, not a user token. */
  @Public()
  @UseGuards(ProviderKeyGuard)
  @Post('batch')
  @HttpCode(202)
  @ApiSecurity('provider-key')
  @ApiAcceptedResponse({ type: ScoreBatchResultDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no or an unknown X-Provider-Key' })
  ingest(@ScoreProvider() provider: string, @Body() dto: ScoreBatchDto): Promise<ScoreBatchResultDto> {
    return this.scores.ingestBatch(provider, dto);
  }
}
