import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { CampaignStatus, EligibilityRules, PerkKind, ReviewStatus } from '@app/domain';

@Entity('campaigns')
export class Campaign {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) brandId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', default: '' }) description: string;
  @Column({ type: 'text' }) perkKind: PerkKind;
  @Column({ type: 'text' }) perkTitle: string;
  @Column({ type: 'integer' }) unitCostCents: number;
  /** current stock ceiling; admins move it with audited inventory adjustments */
  @Column({ type: 'integer' }) totalUnits: number;
  @Column({ type: 'integer', default: 1 }) perMemberLimit: number;
  @Column({ type: 'timestamptz', nullable: true }) startsAt: Date | null;
  @Column({ type: 'timestamptz' }) endsAt: Date;
  @Column({ type: 'jsonb' }) eligibility: EligibilityRules;
  @Column({ type: 'text', default: CampaignStatus.Draft }) status: CampaignStatus;
  @Column({ type: 'text', default: ReviewStatus.Pending }) reviewStatus: ReviewStatus;
  @Column({ type: 'text', nullable: true }) reviewReason: string | null;
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | null) => (v === null ? null : Number(v)) } })
  fundingRequiredCents: number;
  /** units held by pending or fulfilled claims; the database refuses more than totalUnits */
  @Column({ type: 'integer', default: 0 }) claimedUnits: number;
  /** set while a payment dispute is open: no new claims */
  @Column({ type: 'boolean', default: false }) claimsFrozen: boolean;
  @Column({ type: 'timestamptz', nullable: true }) launchedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) endedAt: Date | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
