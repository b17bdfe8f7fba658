import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type LedgerKind = 'charge' | 'fee' | 'refund' | 'fee_refund' | 'refund_confirmed' | 'dispute_opened' | 'dispute_closed';

/**
 * One money movement (or its confirmation) of a campaign. The table is append-only: a
 * trigger refuses UPDATE, DELETE and TRUNCATE; `(fundingId, refundId, kind, stripeObjectId)` is
 * unique (nulls equal) so a replayed event or job never books the same movement twice.
 */
@Entity('ledger_entries')
export class LedgerEntry {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'uuid', nullable: true }) fundingId: string | null;
  /** the platform refund this movement books (refund and fee_refund entries of the refund job) */
  @Column({ type: 'uuid', nullable: true }) refundId: string | null;
  @Column({ type: 'text' }) kind: LedgerKind;
  /** signed: money reaching the platform is positive, money leaving it negative */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } }) amountCents: number;
  @Column({ type: 'text', default: 'usd' }) currency: string;
  @Column({ type: 'text' }) stripeObjectId: string;
  @Column({ type: 'text', nullable: true }) stripeEventId: string | null;
  @Column({ type: 'text' }) description: string;
  @Column({ type: 'timestamptz', default: () => 'clock_timestamp()' }) createdAt: Date;
}
