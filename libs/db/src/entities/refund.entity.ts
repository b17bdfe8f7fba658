import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

const bigintCents = { to: (v: number) => v, from: (v: string) => Number(v) };

/**
 * A refund of a payment: a campaign's unused budget when it ends, then a top-up for each unit
 * that comes back later (`sequence` 1, 2, …), or a stale payment in full.
 */
@Entity('refunds')
export class Refund {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'uuid' }) fundingId: string;
  @Column({ type: 'integer', default: 1 }) sequence: number;
  @Column({ type: 'integer' }) unusedUnits: number;
  @Column({ type: 'bigint', transformer: bigintCents }) unitsCents: number;
  @Column({ type: 'bigint', transformer: bigintCents }) feeCents: number;
  @Column({ type: 'bigint', transformer: bigintCents }) amountCents: number;
  /** failed: Stripe refused it for good, an admin settles it; disputed: refused as charged back, a later refund replaces it */
  @Column({ type: 'text', default: 'pending' }) status: 'pending' | 'succeeded' | 'failed' | 'disputed';
  @Column({ type: 'text', nullable: true }) stripeRefundId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) confirmedAt: Date | null;
}
