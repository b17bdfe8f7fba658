import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '@app/domain';
import { ScoreBatchDto, ScoreBatchResultDto } from './dto/score-batch.dto';
import { ScoreIngestion } from './score-ingestion';

/** A provider clock a little ahead is fine; a scoredAt far in the future would pin the score forever. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

@Injectable()
export class ScoresService {
  private readonly ingestion: ScoreIngestion;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.ingestion = new ScoreIngestion(dataSource);
  }

  async ingestBatch(provider: string, dto: ScoreBatchDto): Promise<ScoreBatchResultDto> {
    const scoredAt = new Date(dto.scoredAt);
    if (Number.isNaN(scoredAt.getTime()) || scoredAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw new DomainError(ErrorCode.ValidationFailed, 'scoredAt must be a valid time, not in the future', [
        { field: 'scoredAt', errors: ['scoredAt must not be in the future'] },
      ]);
    }
    const { accepted, rejected } = await this.ingestion.ingest(provider, scoredAt, dto.scores);
    return { accepted, rejected };
  }
}
