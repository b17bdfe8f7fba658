import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A member's current score from one provider; only a newer `scoredAt` replaces it. */
@Entity('member_scores')
export class MemberScore {
  @PrimaryColumn('text') provider: string;
  @PrimaryColumn('uuid') memberId: string;
  @Column({ type: 'double precision' }) score: number;
  /** topic slug → score */
  @Column({ type: 'jsonb', default: {} }) topics: Record<string, number>;
  @Column({ type: 'timestamptz' }) scoredAt: Date;
  @Column({ type: 'timestamptz' }) updatedAt: Date;
}

/** Every score a provider sent, keyed by (provider, member, scoredAt) so a replay is a no-op. */
@Entity('score_history')
export class ScoreHistoryEntry {
  @PrimaryColumn('text') provider: string;
  @PrimaryColumn('uuid') memberId: string;
  @PrimaryColumn('timestamptz') scoredAt: Date;
  @Column({ type: 'double precision' }) score: number;
  @Column({ type: 'jsonb', default: {} }) topics: Record<string, number>;
  @Column({ type: 'timestamptz' }) receivedAt: Date;
}

/** A provider's percentile thresholds over its current scores, refreshed after each ingestion. */
@Entity('score_distributions')
export class ScoreDistribution {
  @PrimaryColumn('text') provider: string;
  /** index p holds the p-th percentile score, p = 0..100 */
  @Column({ type: 'double precision', array: true }) thresholds: number[];
  @Column({ type: 'integer' }) memberCount: number;
  @Column({ type: 'timestamptz' }) refreshedAt: Date;
}

/** Progress of a campaign's chunked matching run, so a restarted worker resumes where it stopped. */
@Entity('matching_runs')
export class MatchingRun {
  @PrimaryColumn('uuid') campaignId: string;
  /** first member_scores heap block not yet matched */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) nextBlock: number;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) offersCreated: number;
  @Column({ type: 'timestamptz' }) startedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) finishedAt: Date | null;
}
