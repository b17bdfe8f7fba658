import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only audit trail of admin stock changes. */
@Entity('inventory_adjustments')
export class InventoryAdjustment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'uuid' }) adminId: string;
  @Column({ type: 'integer' }) delta: number;
  @Column({ type: 'text' }) reason: string;
  @Column({ type: 'integer' }) totalUnitsBefore: number;
  @Column({ type: 'integer' }) totalUnitsAfter: number;
  /** the admin's Idempotency-Key, when the request carried one */
  @Column({ type: 'text', nullable: true }) idempotencyKey: string | null;
  /** clock_timestamp(): written after the campaign's row lock, so the order is the order applied */
  @CreateDateColumn({ type: 'timestamptz', default: () => 'clock_timestamp()' }) createdAt: Date;
}
