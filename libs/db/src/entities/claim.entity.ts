import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ClaimStatus } from '@app/domain';

export interface ShippingAddress {
  name: string;
  line1: string;
  line2?: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Fulfillment {
  code?: string;
  trackingNumber?: string;
  invitation?: string;
}

@Entity('claims')
export class Claim {
  @PrimaryGeneratedColumn('uuid') id: string;
  @Column({ type: 'uuid' }) campaignId: string;
  @Column({ type: 'uuid' }) memberId: string;
  @Column({ type: 'text' }) idempotencyKey: string;
  @Column({ type: 'text', default: ClaimStatus.Pending }) status: ClaimStatus;
  /** erased when the member erases their data or once it has been handed to fulfillment */
  @Column({ type: 'jsonb', nullable: true }) shippingAddress: ShippingAddress | null;
  /** the member's country at claim time, kept for aggregate stats after erasure */
  @Column({ type: 'char', length: 2, nullable: true }) country: string | null;
  @Column({ type: 'jsonb', default: {} }) fulfillment: Fulfillment;
  @Column({ type: 'text', nullable: true }) failureReason: string | null;
  @Column({ type: 'timestamptz' }) disclosureAcceptedAt: Date;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column({ type: 'timestamptz', nullable: true }) fulfilledAt: Date | null;
  /** which of the member's perMemberLimit slots this live claim holds (unique while live) */
  @Column({ type: 'smallint', default: 1 }) memberSlot: number;
  /** bumped by each admin retry; the fulfillment jobId carries it */
  @Column({ type: 'integer', default: 0 }) fulfillmentRound: number;
}
