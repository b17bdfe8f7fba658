import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsISO8601 } from 'class-validator';
import { AsUtc, CheckedOneByOne, IsReadableInstant } from '@app/platform';
import { ScoreRejectionCode } from '../score-item';
import { MAX_SCORE_BATCH } from '../score-ingestion';

class TopicScoreDto {
  @ApiProperty({ example: 'tech', description: 'lower-case slug' }) topic: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score: number;
}

class ScoreItemDto {
  @ApiProperty({ format: 'uuid' }) memberId: string;
  @ApiProperty({ minimum: 0, maximum: 100 }) score: number;
  @ApiProperty({ type: [TopicScoreDto], required: false }) topics?: TopicScoreDto[];
}

/** The envelope is validated here; items one by one by the service, so bad ones are rejected alone. */
export class ScoreBatchDto {
  @ApiProperty({ example: '2026-11-26T00:00:00Z' })
  @AsUtc() @IsISO8601({ strict: true }) @IsReadableInstant()
  scoredAt: string;

  @ApiProperty({ type: [ScoreItemDto], maxItems: MAX_SCORE_BATCH })
  @IsArray() @ArrayMaxSize(MAX_SCORE_BATCH) @CheckedOneByOne()
  scores: unknown[];
}

export class ScoreRejectionDto {
  @ApiProperty({ type: 'integer' }) index: number;
  @ApiProperty({ enum: ScoreRejectionCode }) code: ScoreRejectionCode;
  @ApiProperty() message: string;
}

export class ScoreBatchResultDto {
  @ApiProperty({ type: 'integer' }) accepted: number;
  @ApiProperty({ type: [ScoreRejectionDto] }) rejected: ScoreRejectionDto[];
}
