import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A verified Stripe event, stored under its id so a redelivery is recognised and ignored. */
@Entity('stripe_events')
export class StripeEvent {
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ type: 'text' }) type: string;
  @Column({ type: 'text', nullable: true }) paymentIntentId: string | null;
  @Column({ type: 'jsonb' }) payload: Record<string, unknown>;
  @Column({ type: 'timestamptz', default: () => 'now()' }) receivedAt: Date;
  /** null while the event waits for the one it depends on (it is applied then) */
  @Column({ type: 'timestamptz', nullable: true }) appliedAt: Date | null;
}
