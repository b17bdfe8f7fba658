import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode } from '@app/domain';
import { ScoreBatchDto, ScoreBatchResultDto } from './dto/score-batch.dto';
import { ScoreIngestion } from './score-ingestion';
import { isTakenScoredAt } from './scored-at';

@Injectable()
export class ScoresService {
  private readonly ingestion: ScoreIngestion;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.ingestion = new ScoreIngestion(dataSource);
  }

  async ingestBatch(provider: string, dto: ScoreBatchDto): Promise<ScoreBatchResultDto> {
    const scoredAt = new Date(dto.scoredAt);
    if (!isTakenScoredAt(scoredAt)) {
      throw new DomainError(ErrorCode.ValidationFailed, 'scoredAt must be a valid time, not in the future', [
        { field: 'scoredAt', errors: ['scoredAt must not be in the future'] },
      ]);
    }
    const { accepted, rejected } = await this.ingestion.ingest(provider, scoredAt, dto.scores);
    return { accepted, rejected };
  }
}
