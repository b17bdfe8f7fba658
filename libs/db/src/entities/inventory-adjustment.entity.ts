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
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
