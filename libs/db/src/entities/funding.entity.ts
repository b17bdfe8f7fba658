import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** `stale`: paid, but funds nothing (paid after a cancel, or for a budget since edited); refunded in full. */
export type FundingStatus = 'pending' | 'paid' | 'stale' | 'expired' | 'failed';

const bigintCents = { to: (v: number) => v, from: (v: string) => Number(v) };

/** One Stripe Checkout payment for a campaign's budget; amounts are frozen when it is created. */
@Entity('fundings')
export class Funding {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'text', default: 'pending' }) status: FundingStatus;
  @Column({ type: 'integer' }) fundedUnits: number;
  @Column({ type: 'integer' }) unitCostCents: number;
  @Column({ type: 'integer' }) feeBps: number;
  @Column({ type: 'bigint', transformer: bigintCents }) unitsCents: number;
  @Column({ type: 'bigint', transformer: bigintCents }) feeCents: number;
  @Column({ type: 'bigint', transformer: bigintCents }) amountCents: number;
  @Column({ type: 'text', default: 'usd' }) currency: string;
  @Column({ type: 'text', nullable: true }) stripeCheckoutSessionId: string | null;
  @Column({ type: 'text', nullable: true }) checkoutUrl: string | null;
  @Column({ type: 'text', nullable: true }) stripePaymentIntentId: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) paidAt: Date | null;
}
