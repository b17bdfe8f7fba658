import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One code of a digital-code perk's pool; a secret shown only to its claimant and admins. */
@Entity('campaign_codes')
export class CampaignCode {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'text' }) code: string;
  @Column({ type: 'uuid', nullable: true }) claimId: string | null;
  @Column({ type: 'timestamptz', nullable: true }) assignedAt: Date | null;
}
