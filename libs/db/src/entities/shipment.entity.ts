import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { ShippingAddress } from './claim.entity';

export type ShipmentStatus = 'requested' | 'submitted' | 'shipped' | 'cancelled';

/** The physical delivery of one claim; the only place a shipping address lives once handed over. */
@Entity('shipments')
export class Shipment {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) claimId: string;
  @Column({ type: 'text' }) provider: 'manual' | 'webhook';
  @Column({ type: 'text', default: 'requested' }) status: ShipmentStatus;
  @Column({ type: 'jsonb', nullable: true }) address: ShippingAddress | null;
  @Column({ type: 'text', nullable: true }) externalId: string | null;
  @Column({ type: 'text', nullable: true }) carrier: string | null;
  @Column({ type: 'text', nullable: true }) trackingNumber: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) submittedAt: Date | null;
  @Column({ type: 'timestamptz', nullable: true }) shippedAt: Date | null;
}
