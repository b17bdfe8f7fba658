import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError, ErrorCode, utcDate } from '@app/domain';
import { enqueueInTransaction, jobIdFor } from '@app/queue';
import { ProfileDto, UpdateProfileDto } from './dto/profile.dto';

interface ProfileRow {
  country: string | null;
  birth_date: string | null;
  opted_in: boolean;
  updated_at: Date;
}

const toDto = (row: ProfileRow | undefined): ProfileDto =>
  row
    ? { country: row.country, birthDate: row.birth_date, optedIn: row.opted_in, updatedAt: row.updated_at.toISOString() }
    : { country: null, birthDate: null, optedIn: false, updatedAt: null };

@Injectable()
export class ProfileService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(memberId: string): Promise<ProfileDto> {
    const [row]: ProfileRow[] = await this.dataSource.query(
      `SELECT country, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, opted_in, updated_at FROM member_profiles WHERE member_id = $1`,
      [memberId],
    );
    return toDto(row);
  }

  /**
   * Saves the profile. Opting in (or changing country or age) can make the member newly
   * eligible for live campaigns, and opting out (or a country or age a campaign does not take)
   * withdraws its offer, so a saved profile re-matches the member for every provider that
   * scored them, through the outbox in the same transaction.
   */
  async update(memberId: string, dto: UpdateProfileDto): Promise<ProfileDto> {
    if (dto.birthDate !== null && (dto.birthDate > utcDate(new Date()) || dto.birthDate < '1900-01-01')) {
      throw new DomainError(ErrorCode.ValidationFailed, 'Invalid input: birthDate', [{ field: 'birthDate', errors: ['birthDate must be between 1900-01-01 and today'] }]);
    }
    return this.dataSource.transaction(async (manager) => {
      const [row]: ProfileRow[] = await manager.query(
        `INSERT INTO member_profiles (member_id, country, birth_date, opted_in, updated_at)
         SELECT $1, $2, $3, $4, now() FROM users WHERE id = $1 AND erased_at IS NULL FOR SHARE
         ON CONFLICT (member_id) DO UPDATE
           SET country = EXCLUDED.country, birth_date = EXCLUDED.birth_date, opted_in = EXCLUDED.opted_in, updated_at = now()
         RETURNING country, to_char(birth_date, 'YYYY-MM-DD') AS birth_date, opted_in, updated_at`,
        [memberId, dto.country, dto.birthDate, dto.optedIn],
      );
      // An erased member's access token outlives the erasure; it must not bring personal data back
      // (the share lock waits for an erasure in flight, which then refuses this write).
      if (!row) throw new DomainError(ErrorCode.Unauthorized, 'The account no longer exists');
      const providers: { provider: string }[] = await manager.query(
        `SELECT DISTINCT s.provider FROM member_scores s
         WHERE s.member_id = $1 AND EXISTS (SELECT 1 FROM campaigns c WHERE c.status IN ('active', 'paused') AND c.eligibility->>'provider' = s.provider)`,
        [memberId],
      );
      await enqueueInTransaction(
        manager,
        providers.map(({ provider }) => ({
          queue: 'matching' as const,
          name: 'match-member' as const,
          data: { memberId, provider },
          jobId: jobIdFor('match-member', provider, memberId, 'profile', row.updated_at.getTime()),
        })),
      );
      return toDto(row);
    });
  }
}
