import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Campaign, loadEvaluationContext } from '@app/db';
import { EligibilityResult, evaluateEligibility, MemberFacts } from '@app/domain';

interface FactsRow {
  has_profile: boolean;
  opted_in: boolean | null;
  country: string | null;
  birth_date: string | null;
  score: number | null;
  topics: Record<string, number> | null;
}

/** Answers "is this member eligible for this campaign, and if not why" from the one rule definition. */
@Injectable()
export class EligibilityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `profile`: only the rules an offered member must keep meeting (see evaluateEligibility). */
  async explain(memberId: string, campaign: Campaign, scope: 'all' | 'profile' = 'all'): Promise<EligibilityResult> {
    const rules = campaign.eligibility;
    const manager = this.dataSource.manager;
    const [facts, ctx] = await Promise.all([this.memberFacts(manager, memberId, rules.provider), loadEvaluationContext(manager, rules.provider)]);
    return evaluateEligibility(facts, rules, ctx, scope);
  }

  async memberFacts(manager: EntityManager, memberId: string, provider: string): Promise<MemberFacts> {
    const [row]: FactsRow[] = await manager.query(
      `SELECT p.member_id IS NOT NULL AS has_profile, p.opted_in, p.country, to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date,
              s.score, s.topics
       FROM (SELECT $1::uuid AS id) m
       LEFT JOIN member_profiles p ON p.member_id = m.id
       LEFT JOIN member_scores s ON s.member_id = m.id AND s.provider = $2`,
      [memberId, provider],
    );
    return {
      hasProfile: row.has_profile,
      optedIn: row.opted_in ?? false,
      country: row.country,
      birthDate: row.birth_date,
      score: row.score,
      topics: row.topics ?? {},
    };
  }
}
